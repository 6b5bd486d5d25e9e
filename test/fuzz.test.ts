import http from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { AccessClaims } from '../src/auth/service.js';
import { TEST_CARDS } from '../src/booking/payments.js';
import { migrate } from '../src/platform/db.js';
import { TokenKind } from '../src/platform/tokens.js';
import { errorShapeProblem } from './error-contract.js';
import { operationsOf, RequestGenerator, type Auth, type FuzzRequest, valuesOf } from './fuzz-requests.js';
import {
  adminHeaders,
  buyer,
  modes,
  onSalePerformance,
  startTestApp,
  TEST_SECRET,
  type TestApp,
} from './harness.js';
import { createScratchDatabase } from './scratch-database.js';

// Every operation of the OpenAPI document, fed requests generated from its own schemas (test/
// fuzz-requests.ts): valid ones, ones with real ids made below, and hostile ones (NUL, lone
// surrogates, huge numbers, wrong types, very long strings, missing fields, broken bodies), as a
// buyer, an admin, nobody and a forger. Whatever comes in, no answer may be a 5xx, and every answer
// that is not a 2xx must be the error shape with a code from the catalog.
//
// Reproduce a run: TMOMI_FUZZ_SEED=<the seed it printed> npx vitest run test/fuzz.test.ts (add
// TMOMI_FUZZ_OP='POST /api/performances/{id}/holds' to replay one operation). TMOMI_FUZZ_RUNS sets
// the number of requests (2,400 by default, spread evenly over the operations).

const SEED = Number(process.env.TMOMI_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const RUNS = Number(process.env.TMOMI_FUZZ_RUNS ?? 2_400);
const ONLY = process.env.TMOMI_FUZZ_OP;
/** A stream's head, or any answer, must come within this; a request that hangs is a failure too. */
const ANSWER_TIMEOUT_MS = 10_000;

interface Answer {
  status: number;
  contentType: string | undefined;
  body: string;
}

// The fuzz checks the HTTP edge and the schemas, which are the same code in every mode; the scaled
// mode adds the Redis engine behind them, so it runs there too when CI has it.
describe.each(modes())('fuzzing every operation ($name)', (mode) => {
  let t: TestApp;
  let port: number;
  const authHeaders = {} as Record<Auth, Record<string, string>>;
  let generator: RequestGenerator;

  let database: { url: string; drop: () => Promise<void> };

  beforeAll(async () => {
    // A database of its own: generated admin requests rename, delete and cancel whatever their small
    // ids (0–3, 50) name, which on the shared database could be another test file's records.
    database = await createScratchDatabase(mode.databaseUrl, `tmomi_fuzz_${inject('runId')}_${mode.name}`);
    await migrate(database.url, pino({ level: 'warn' }));
    t = await startTestApp({ ...mode, databaseUrl: database.url });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    port = (t.app.server.address() as AddressInfo).port;
    const owner = await buyer(t);
    authHeaders.buyer = owner.headers;
    authHeaders['other buyer'] = (await buyer(t)).headers;
    authHeaders.admin = await adminHeaders(t);
    authHeaders.none = {};
    authHeaders.forged = { authorization: `Bearer ${owner.token.slice(0, -4)}AAAA` };
    // Real things for the generated requests to reach past "not found": a sale with a paid order and
    // a live hold, and a second performance with a waiting room.
    const sale = await onSalePerformance(t, { queue: { enabled: false } });
    const queued = await onSalePerformance(t, { queue: { enabled: true } });
    const post = async (url: string, payload: object, headers: Record<string, string> = owner.headers) =>
      (await t.app.inject({ method: 'POST', url, payload, headers })).json<Record<string, unknown>>();
    const paid = await post(`/api/performances/${sale.performanceId}/holds`, { seatNos: [0, 1] });
    const order = await post(
      `/api/holds/${String(paid.holdId)}/checkout`,
      { payment: { card: TEST_CARDS.succeeds } },
      { ...owner.headers, 'idempotency-key': 'fuzz-setup' },
    );
    const live = await post(`/api/performances/${sale.performanceId}/holds`, { seatNos: [2] });
    const tickets = order.tickets as { id: string; code: string }[];
    const { rows } = await t.db.query<{ id: string }>('SELECT max(id)::text AS id FROM jobs');
    generator = new RequestGenerator({
      known: [
        ...Object.values(sale),
        queued.performanceId,
        order.id,
        paid.holdId,
        live.holdId,
        ...tickets.flatMap((ticket) => [ticket.id, ticket.code]),
        rows[0]?.id,
        TEST_CARDS.succeeds,
        TEST_CARDS.declined,
        'R',
        ...[0, 1, 2, 3, 50],
      ].filter((v) => v !== undefined && v !== null),
    });
  });
  afterAll(async () => {
    await t?.close();
    await database?.drop();
  });

  /**
   * A generated logout or password change ends an identity's sessions, and every later request of it
   * would stop at SESSION_ENDED: it is given a token of its current session again, as a login would.
   */
  const tokens = new TokenKind<AccessClaims>(TEST_SECRET, 'access', { now: () => Date.now() });
  async function renewIfEnded(req: FuzzRequest, answer: Answer): Promise<Answer> {
    const header = authHeaders[req.auth].authorization;
    if (answer.status !== 401 || !answer.body.includes('"SESSION_ENDED"') || req.auth === 'forged' || !header)
      return answer;
    const { sub } = JSON.parse(Buffer.from(header.split('.')[1]!, 'base64url').toString()) as AccessClaims;
    const { rows } = await t.db.query<{ sv: number; role: AccessClaims['role'] }>(
      'SELECT session_version AS sv, role FROM users WHERE id = $1',
      [sub],
    );
    if (rows[0])
      authHeaders[req.auth] = {
        authorization: `Bearer ${tokens.issue({ sub, role: rows[0].role, sv: rows[0].sv }, 3600).token}`,
      };
    return answer;
  }

  async function send(req: FuzzRequest): Promise<Answer> {
    return renewIfEnded(req, await sendOnce(req));
  }

  /** Through `inject` (fast), or on a real connection, where a 2xx (a stream's, say) is cut after its head. */
  async function sendOnce(req: FuzzRequest): Promise<Answer> {
    const headers = { ...req.headers, ...authHeaders[req.auth] };
    if (!req.socket) {
      const res = await t.app.inject({
        method: req.method as 'GET',
        url: req.url,
        headers,
        payload: req.payload,
      });
      return { status: res.statusCode, contentType: res.headers['content-type'] as string, body: res.body };
    }
    return new Promise((resolve, reject) => {
      const outgoing = http.request({ host: '127.0.0.1', port, method: req.method, path: req.url, headers });
      outgoing.setTimeout(ANSWER_TIMEOUT_MS, () => outgoing.destroy(new Error('no answer in time')));
      outgoing.on('error', reject);
      outgoing.on('response', (res) => {
        const answer = { status: res.statusCode ?? 0, contentType: res.headers['content-type'], body: '' };
        if (answer.status < 300) {
          res.destroy();
          resolve(answer);
          return;
        }
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (answer.body += chunk));
        res.on('end', () => resolve(answer));
      });
      outgoing.end(req.payload);
    });
  }

  it(`when ${RUNS} generated requests hit every operation, then none is a 5xx and every refusal is the error shape`, async () => {
    const operations = operationsOf(
      (await t.app.inject({ method: 'GET', url: '/api/openapi.json' })).json(),
    ).filter((op) => ONLY === undefined || `${op.method} ${op.path}` === ONLY);
    expect(operations.length).toBeGreaterThan(ONLY === undefined ? 30 : 0);
    // Spread by the number of values each operation takes (two shares at least), 16 requests at least.
    const shares = operations.map((op) => 2 + valuesOf(op));
    const allShares = shares.reduce((a, b) => a + b, 0);
    const runsOf = (i: number) => Math.max(16, Math.ceil((RUNS * shares[i]!) / allShares));
    const tally = new Tally();
    const table: Record<string, Record<string, number>> = {};
    const failures: string[] = [];
    const started = Date.now();
    console.log(
      `fuzz (${mode.name}): seed ${SEED}, ${RUNS} requests or more over ${operations.length} operations, by the values each takes`,
    );

    for (const [i, op] of operations.entries()) {
      const name = `${op.method} ${op.path}`;
      const row = (table[name] = {} as Record<string, number>);
      const details = await fc.check(
        fc.asyncProperty(generator.requests(op), async (req) => {
          const answer = await send(req);
          const statusClass = `${String(answer.status).charAt(0)}xx`;
          tally.add('status', statusClass);
          tally.add('mode', `${req.mode} ${statusClass}`);
          tally.add('transport', req.socket ? 'socket' : 'inject');
          row[statusClass] = (row[statusClass] ?? 0) + 1;
          if (answer.status >= 500) throw new Error(`${answer.status}: ${answer.body.slice(0, 300)}`);
          if (answer.status >= 200 && answer.status < 300) return;
          const problem = errorShapeProblem(answer);
          if (problem)
            throw new Error(
              `${answer.status} outside the error shape (${problem}): ${answer.body.slice(0, 300)}`,
            );
          const code = (JSON.parse(answer.body) as { error: { code: string } }).error.code;
          tally.add('code', code);
        }),
        { seed: SEED, numRuns: runsOf(i) },
      );
      if (details.failed) {
        const example = JSON.stringify(details.counterexample?.[0]).slice(0, 600);
        const error =
          details.errorInstance instanceof Error
            ? details.errorInstance.message
            : String(details.errorInstance);
        failures.push(
          `${name}: ${error}\n  request: ${example}\n  replay: TMOMI_FUZZ_SEED=${SEED} TMOMI_FUZZ_OP='${name}' (path ${details.counterexamplePath})`,
        );
      }
    }

    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    console.log(
      [
        `fuzz (${mode.name}): ${tally.total('status')} requests in ${seconds} s, seed ${SEED}`,
        `  by status class: ${tally.line('status')}`,
        `  by kind of request: ${tally.line('mode')}`,
        `  sent by: ${tally.line('transport')}`,
        `  error codes: ${tally.line('code')}`,
      ].join('\n'),
    );
    console.table(table);
    expect(failures, `seed ${SEED}`).toEqual([]);
    expect(tally.total('status')).toBeGreaterThanOrEqual(RUNS);
  }, 300_000);
});

/** Counts by kind, printed as `key n, key n` from the most frequent. */
class Tally {
  private readonly counts = new Map<string, Map<string, number>>();

  add(kind: string, key: string): void {
    const byKey = this.counts.get(kind) ?? new Map<string, number>();
    this.counts.set(kind, byKey.set(key, (byKey.get(key) ?? 0) + 1));
  }

  total(kind: string): number {
    return [...(this.counts.get(kind)?.values() ?? [])].reduce((a, b) => a + b, 0);
  }

  line(kind: string): string {
    const entries = [...(this.counts.get(kind)?.entries() ?? [])].sort((a, b) => b[1] - a[1]);
    return entries.map(([key, n]) => `${key} ${n}`).join(', ');
  }
}
