import { randomUUID } from 'node:crypto';
import { request } from 'node:http';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bulkBuyers } from '../src/loadtest/buyers.js';
import { followStream } from '../src/loadtest/sse.js';
import { createPool } from '../src/platform/db.js';
import { modes, TEST_SECRET } from './harness.js';
import {
  HAPROXY_MISSING,
  hasHaproxy,
  isRunning,
  signalQuietly,
  startCluster,
  type TestCluster,
} from './nodes.js';

/**
 * `tmomi cluster` as an operator runs it: three real nodes behind HAProxy, one PostgreSQL, one Redis.
 * A few hundred buyers join through the balancer and wait on event streams through it; mid-admission
 * the leading node gets SIGTERM (drain) and the next leader kill -9. Every buyer must end admitted
 * exactly once, in arrival order, with the streams of both lost nodes resumed on the last one.
 * Runs where the scaled mode is available (as in CI) and skips, saying so, where haproxy is missing.
 */
const scaled = modes().find((m) => m.name === 'scaled');
const haproxy = await hasHaproxy();
const BUYERS = 300;
const ADMIT_PER_SECOND = 25;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** How many stream connections each node took (the first ones tell how leastconn spread the buyers). */
const streamsPerNode = (buyers: Buyer[]) => {
  const counts: Record<string, number> = {};
  for (const c of buyers.flatMap((b) => b.connections)) counts[c.node] = (counts[c.node] ?? 0) + 1;
  return counts;
};

interface Connection {
  node: string;
  status: number;
  /** Why it ended: the node said `reconnect`, the stream just ended or broke, or the buyer was admitted. */
  end: 'reconnect' | 'ended' | 'admitted';
  /** Whether the stream has said anything yet (it opens with the buyer's state). */
  heard: boolean;
  /** When it was opened. */
  at: number;
}
interface Buyer {
  token: string;
  seq: number;
  connections: Connection[];
  passes: Set<string>;
  expiresAt: string | undefined;
}

describe.skipIf(!scaled)('three nodes behind HAProxy', () => {
  let cluster: TestCluster | undefined;
  let balancer = '';
  const admin = { email: `admin-${randomUUID()}@example.com`, password: 'balancer-admin-pw' };

  beforeAll(async () => {
    if (!haproxy) return;
    cluster = await startCluster(3, {
      DATABASE_URL: scaled!.databaseUrl,
      REDIS_URL: scaled!.redisUrl!,
      TMOMI_REDIS_PREFIX: `balancer-${randomUUID().slice(0, 8)}:`,
      TMOMI_ADMIN_EMAIL: admin.email,
      TMOMI_ADMIN_PASSWORD: admin.password,
    });
    balancer = cluster.balancer;
  }, 150_000);

  afterAll(async () => {
    await cluster?.destroy();
  });

  const call = async (method: string, path: string, token?: string, body?: unknown) => {
    const res = await fetch(`${balancer}${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return {
      status: res.status,
      node: res.headers.get('x-tmomi-node'),
      body: (text ? JSON.parse(text) : null) as Record<string, unknown>,
    };
  };
  it('when requests go through the balancer, then every node serves some, without stickiness, and event streams flow at once', async (ctx) => {
    if (!haproxy) return ctx.skip(HAPROXY_MISSING);
    const served = new Set<string | null>();
    for (let i = 0; i < 9; i++) served.add((await call('GET', '/readyz')).node);
    expect(served).toEqual(new Set(['tmomi-1', 'tmomi-2', 'tmomi-3']));
    // HAProxy's exporter has the series the alerts and the dashboard query.
    const haproxyMetrics = await (await fetch(cluster!.state.stats.replace(/\/stats$/, '/metrics'))).text();
    for (const name of [
      'haproxy_backend_active_servers',
      'haproxy_backend_retry_warnings_total',
      'haproxy_backend_redispatch_warnings_total',
    ]) {
      expect(haproxyMetrics).toContain(`${name}{proxy="tmomi_nodes"}`);
    }
    // Prometheus is pointed at each node's own metrics port; the public side has no /metrics at all.
    expect((await call('GET', '/metrics')).status).toBe(404);
    const [group] = JSON.parse(await readFile(join(cluster!.dir, 'tmomi-targets.json'), 'utf8')) as {
      targets: string[];
    }[];
    expect(group!.targets).toEqual(cluster!.state.nodes.map((n) => `127.0.0.1:${n.metricsPort}`));
    for (const target of group!.targets)
      expect(await (await fetch(`http://${target}/metrics`)).text()).toMatch(/^tmomi_draining 0$/m);
  });

  it('when a herd reloads the public reads through the balancer, then HAProxy’s cache answers nearly all of them, and never a signed-in or non-public request', async (ctx) => {
    if (!haproxy) return ctx.skip(HAPROXY_MISSING);
    const adminToken = (await call('POST', '/api/auth/login', undefined, admin)).body.accessToken as string;
    const venue = await call('POST', '/api/admin/venues', adminToken, {
      name: 'Cached Hall',
      sections: [{ name: 'A', grade: 'R', rows: 5, seatsPerRow: 10 }],
    });
    const reads = [`/api/venues/${venue.body.id as string}`, `/api/venues/${venue.body.id as string}/seats`];
    for (const path of reads) {
      // 200 requests within about a second: the cache keeps each for max-age, so a node sees a few.
      const nodes: (string | null)[] = [];
      for (let i = 0; i < 20; i++) {
        const answers = await Promise.all(
          Array.from({ length: 10 }, () => fetch(`${balancer}${path}`).then((r) => (void r.text(), r))),
        );
        for (const r of answers) {
          expect(r.status, path).toBe(200);
          nodes.push(r.headers.get('x-tmomi-node'));
        }
      }
      const fromNodes = nodes.filter((n) => n).length;
      expect(fromNodes, `${path}: ${fromNodes} of 200 reached a node`).toBeLessThanOrEqual(20);
    }
    // Revalidations (what the web app sends) are 304s, from the cache once it has the body, and carry
    // no Content-Length (a client trusting it would wait for a body).
    const etag = (await fetch(`${balancer}${reads[1]!}`)).headers.get('etag')!;
    const conditional = [];
    for (let i = 0; i < 20; i++)
      conditional.push(await fetch(`${balancer}${reads[1]!}`, { headers: { 'if-none-match': etag } }));
    expect(conditional.map((r) => r.status)).toEqual(Array(20).fill(304));
    expect(conditional.filter((r) => r.headers.get('x-tmomi-node')).length).toBeLessThanOrEqual(2);
    expect(conditional.map((r) => r.headers.get('content-length'))).toEqual(Array(20).fill(null));
    // With a token, HAProxy never answers from its cache (nor stores), so nothing personal is shared.
    const signedIn = await fetch(`${balancer}${reads[0]!}`, {
      headers: { authorization: `Bearer ${adminToken}` },
    });
    expect(signedIn.headers.get('x-tmomi-node')).toMatch(/^tmomi-/);
    // Nothing outside the public reads is cached: every readiness check reaches a node.
    for (let i = 0; i < 5; i++) expect((await call('GET', '/readyz')).node).toMatch(/^tmomi-/);
  });

  it('when one node drains and another is killed mid-admission, then every buyer is admitted exactly once, in order, and lost streams resume elsewhere', async (ctx) => {
    if (!haproxy) return ctx.skip(HAPROXY_MISSING);
    const adminToken = (await call('POST', '/api/auth/login', undefined, admin)).body.accessToken as string;
    const venue = await call('POST', '/api/admin/venues', adminToken, {
      name: 'Hall',
      sections: [{ name: 'A', grade: 'R', rows: 5, seatsPerRow: 10 }],
    });
    const event = await call('POST', '/api/admin/events', adminToken, {
      title: 'Balancer',
      category: 'test',
      venueId: venue.body.id,
      prices: [{ grade: 'R', amount: 1 }],
    });
    const now = Date.now();
    const perf = await call('POST', `/api/admin/events/${event.body.id as string}/performances`, adminToken, {
      startsAt: new Date(now + 7200_000).toISOString(),
      salesOpenAt: new Date(now - 1_000).toISOString(),
      salesCloseAt: new Date(now + 3600_000).toISOString(),
      queue: { admitPerSecond: ADMIT_PER_SECOND, maxActive: 5_000, passTtlSeconds: 600 },
    });
    expect(perf.status).toBe(201);
    const performanceId = perf.body.id as string;

    // Accounts straight into PostgreSQL (hashing 300 passwords would only measure scrypt).
    const db = createPool(scaled!.databaseUrl, { max: 2 });
    const accounts = await bulkBuyers(db, BUYERS, TEST_SECRET);
    await db.end();
    const buyers: Buyer[] = accounts.map((account) => ({
      token: account.headers.authorization.slice('Bearer '.length),
      seq: 0,
      connections: [],
      passes: new Set(),
      expiresAt: undefined,
    }));

    // Admission waits until every buyer has joined and opened a stream: on a loaded machine the joins
    // may take longer than admitting them all, and then no stream would be waiting when the nodes go.
    expect(
      (await call('POST', `/api/admin/performances/${performanceId}/queue/pause`, adminToken)).status,
    ).toBe(200);
    // Join one after another, so arrival order is the array's order; each buyer then waits on a stream.
    const deadline = Date.now() + 90_000;
    const followers: Promise<void>[] = [];
    for (const buyer of buyers) {
      const joined = await call('POST', `/api/performances/${performanceId}/queue`, buyer.token);
      expect(joined.status).toBe(200);
      followers.push(follow(`${balancer}/api/performances/${performanceId}/queue/events`, buyer, deadline));
    }
    while (buyers.some((b) => !b.connections[0]?.heard) && Date.now() < deadline) await sleep(50);
    expect(
      (await call('POST', `/api/admin/performances/${performanceId}/queue/resume`, adminToken)).status,
    ).toBe(200);
    const admittedCount = () => buyers.filter((b) => b.passes.size > 0).length;
    const waitAdmitted = async (n: number) => {
      while (admittedCount() < n && Date.now() < deadline) await sleep(50);
    };

    // 1. Drain the leader while a request to it is still arriving.
    await waitAdmitted(BUYERS * 0.2);
    const all = cluster!.state.nodes.map((n) => n.name);
    const drained = (await cluster!.leaderAmong(all))!;
    expect(drained).toBeDefined();
    const inFlight = slowLogin(cluster!.nodeUrl(drained), admin);
    await inFlight.started;
    signalQuietly(cluster!.pidOf(drained), 'SIGTERM');
    const drainedAt = Date.now();
    const survivors = all.filter((n) => n !== drained);
    let nextLeader: string | undefined;
    while (!nextLeader && Date.now() - drainedAt < 10_000) nextLeader = await cluster!.leaderAmong(survivors);
    const drainTakeoverMs = Date.now() - drainedAt;
    inFlight.finish();
    expect(await inFlight.status).toBe(200);
    expect(nextLeader).toBeDefined();

    // 2. Kill -9 the new leader: its lease must lapse before the last node takes over.
    await waitAdmitted(BUYERS * 0.5);
    const killed = (await cluster!.leaderAmong(survivors))!;
    expect(killed).toBeDefined();
    signalQuietly(cluster!.pidOf(killed), 'SIGKILL');
    const killedAt = Date.now();
    const last = survivors.find((n) => n !== killed)!;
    while (!(await cluster!.leaderAmong([last])) && Date.now() - killedAt < 10_000) await sleep(25);
    const killTakeoverMs = Date.now() - killedAt;

    await Promise.all(followers);
    console.log(
      `takeover after SIGTERM of the leader: ${drainTakeoverMs} ms; after kill -9: ${killTakeoverMs} ms; ` +
        `connections: ${buyers.reduce((n, b) => n + b.connections.length, 0)} for ${BUYERS} buyers; ` +
        `streams per node: ${JSON.stringify(streamsPerNode(buyers))}`,
    );
    // HAProxy's view of the nodes going and coming, for whoever reads a failure below.
    console.log(
      cluster!
        .log()
        .split('\n')
        .filter((l) => /Server tmomi_nodes\/.* is (DOWN|UP)/.test(l))
        .join('\n'),
    );
    expect(drainTakeoverMs).toBeLessThan(1_500);
    expect(killTakeoverMs).toBeLessThan(5_000);

    // Exactly once: one pass per buyer, on every connection and every node, all different.
    expect(buyers.filter((b) => b.passes.size !== 1)).toEqual([]);
    expect(new Set(buyers.map((b) => [...b.passes][0])).size).toBe(BUYERS);
    for (const buyer of buyers.slice(0, 50)) {
      const view = await call('GET', `/api/performances/${performanceId}/queue/me`, buyer.token);
      expect(view.body).toMatchObject({ state: 'admitted', pass: [...buyer.passes][0] });
    }
    // In order: arrival sequence (the pass id) follows the join order, and admission follows arrival
    // (at the one-second resolution of the pass expiry).
    const seqs = buyers.map((b) => b.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(BUYERS);
    const expiries = buyers.map((b) => b.expiresAt!);
    expect(expiries).toEqual([...expiries].sort());

    // Streams on the drained node were told to reconnect; those on the killed one broke; all resumed.
    const resumed = (node: string, end: Connection['end']) =>
      buyers.filter((b) => b.connections.some((c) => c.node === node && c.end === end));
    expect(resumed(drained, 'reconnect').length).toBeGreaterThan(0);
    expect(resumed(killed, 'ended').length).toBeGreaterThan(0);
    for (const buyer of resumed(drained, 'reconnect')) {
      expect(buyer.connections.at(-1)).toMatchObject({
        end: 'admitted',
        node: expect.not.stringMatching(drained),
      });
    }
    for (const buyer of resumed(killed, 'ended')) {
      expect(buyer.connections.at(-1)).toMatchObject({ end: 'admitted', node: last });
    }
    // A drain is seamless: the balancer retried whatever hit the closing node, so until the kill no
    // buyer saw an error status. A kill -9 is not: until HAProxy's checks notice (three failures,
    // about 3 s), a reconnect may meet the dead node and the drained one on every retry and get
    // HAProxy's own 503 (no node). The stream is opened again, as EventSource does, and every buyer
    // ends admitted (above); anything else than that 503 is a failure.
    const connections = buyers.flatMap((b) => b.connections);
    expect(connections.filter((c) => c.at < killedAt && c.status !== 200)).toEqual([]);
    const afterKill = connections.filter((c) => c.at >= killedAt && c.status !== 200);
    expect(afterKill.filter((c) => c.status !== 503 || c.node !== '')).toEqual([]);
    console.log(`streams answered 503 by HAProxy after the kill: ${afterKill.length}`);
    for (const buyer of buyers)
      expect(buyer.connections.at(-1)).toMatchObject({ status: 200, end: 'admitted' });
    expect(cluster!.log()).toMatch(new RegExp(`"node":"${drained}","code":0,`));
    expect(cluster!.log()).toMatch(new RegExp(`"node":"${killed}","code":null,"signal":"SIGKILL"`));
  }, 150_000);

  it('when the cluster gets SIGTERM, then it drains the last node, stops HAProxy and exits 0', async (ctx) => {
    if (!haproxy) return ctx.skip(HAPROXY_MISSING);
    const { proc, state, dir } = cluster!;
    const exited = new Promise<number | null>((resolve) => proc.once('exit', resolve));
    proc.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(isRunning(state.haproxyPid)).toBe(false);
    expect(state.nodes.filter((n) => isRunning(n.pid))).toEqual([]);
    expect(JSON.parse(await readFile(join(dir, 'tmomi-targets.json'), 'utf8'))).toEqual([]);
  }, 60_000);
});

/**
 * Follows one buyer's event stream the way EventSource does — reconnecting (with Last-Event-ID) when
 * told to or when the stream ends — until the buyer is admitted. Bounded in attempts and time.
 */
async function follow(url: string, buyer: Buyer, deadline: number): Promise<void> {
  let lastEventId: string | undefined;
  for (let attempt = 0; attempt < 20 && Date.now() < deadline; attempt++) {
    // A node killed mid-stream breaks the connection: it stays `ended`, and the buyer reconnects.
    const connection: Connection = { node: '', status: 0, end: 'ended', heard: false, at: Date.now() };
    buyer.connections.push(connection);
    const result = await followStream(
      url,
      { authorization: `Bearer ${buyer.token}` },
      lastEventId,
      deadline - Date.now(),
      (event) => {
        connection.heard = true;
        if (event.event === 'reconnect') connection.end = 'reconnect';
        if (event.event === 'admitted') {
          connection.end = 'admitted';
          const pass = event.data.pass as string;
          buyer.passes.add(pass);
          buyer.expiresAt = event.data.expiresAt as string;
          buyer.seq = (
            JSON.parse(Buffer.from(pass.split('.')[1]!, 'base64url').toString()) as { pid: number }
          ).pid;
        }
        return connection.end !== 'ended';
      },
    );
    Object.assign(connection, { status: result.status, node: result.node });
    lastEventId = result.lastEventId;
    if (connection.end === 'admitted') return;
    await sleep(100);
  }
}

/** A login whose body arrives in two parts, so the request is in flight until `finish()`. */
function slowLogin(base: string, credentials: { email: string; password: string }) {
  const body = Buffer.from(JSON.stringify(credentials));
  let started!: () => void;
  const startedPromise = new Promise<void>((resolve) => (started = resolve));
  const req = request(`${base}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'content-length': body.length },
  });
  const status = new Promise<number>((resolve, reject) => {
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
  });
  req.write(body.subarray(0, 10), () => setTimeout(started, 100));
  return {
    started: startedPromise,
    status,
    finish: () => req.end(body.subarray(10)),
  };
}
