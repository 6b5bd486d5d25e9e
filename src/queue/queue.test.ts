import http2 from 'node:http2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buyer,
  METRICS_AUTH,
  modes,
  onSalePerformance,
  startTestApp,
  TEST_SECRET,
  TestClock,
  type TestApp,
} from '../../test/harness.js';
import { TokenKind } from '../platform/tokens.js';
import type { PassClaims } from './service.js';
import { readSse } from '../../test/sse.js';
import { bulkBuyers } from '../loadtest/buyers.js';
import { followStreamH2, type StreamEvent } from '../loadtest/sse.js';

const hour = 3600_000;
const iso = (ms: number) => new Date(ms).toISOString();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(modes({ cluster: true }))('waiting room over HTTP ($name)', (mode) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(mode);
  });
  afterAll(() => t.close());

  const join = (perf: string, headers: Record<string, string>) =>
    t.app.inject({ method: 'POST', url: `/api/performances/${perf}/queue`, headers });
  const me = (perf: string, headers: Record<string, string>) =>
    t.app.inject({ method: 'GET', url: `/api/performances/${perf}/queue/me`, headers });
  /** The app's address, listening on first use (the SSE tests need a real socket). */
  let base: string | undefined;
  const baseUrl = async () => {
    if (!base) {
      await t.app.listen({ port: 0, host: '127.0.0.1' });
      base = `http://127.0.0.1:${(t.app.server.address() as { port: number }).port}`;
    }
    return base;
  };
  /** Polls (bounded) until the buyer is admitted. */
  const admitted = async (perf: string, headers: Record<string, string>, timeoutMs = 10_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const view = (await me(perf, headers)).json();
      if (view.state !== 'waiting' || Date.now() > deadline) return view;
      await sleep(100);
    }
  };

  it('when buyers join, then each gets one place in arrival order, a re-join returns the same place, and the ticker admits them in order', async () => {
    const rate = 4;
    const { performanceId } = await onSalePerformance(t, { queue: { admitPerSecond: rate, maxActive: 100 } });
    const buyers = [];
    for (let i = 0; i < 6; i++) buyers.push(await buyer(t));
    const admittedTotal = async () => (await t.engine.queueStats(performanceId, Date.now())).admittedTotal;
    // The ticker may let the first ones in while the others join; each join is bracketed by how many
    // it had let in.
    const first = [];
    for (const b of buyers) {
      const before = await admittedTotal();
      const view = (await join(performanceId, b.headers)).json();
      first.push({ view, before, after: await admittedTotal() });
    }
    // A join only ever places; admission happens in the ticker's rounds, later.
    expect(first.map(({ view }) => view.state)).toEqual(Array(6).fill('waiting'));
    // A place is one plus the live entries ahead: the arrival rank less whoever was let in by then.
    // Every place is within the free passes under the cap, each let in at the configured rate.
    first.forEach(({ view, before, after }, i) => {
      expect(view.position).toBeGreaterThanOrEqual(i + 1 - after);
      expect(view.position).toBeLessThanOrEqual(i + 1 - before);
      expect(view.etaSeconds).toBe(Math.ceil(view.position / rate));
    });
    const again = (await join(performanceId, buyers[5]!.headers)).json();
    expect(again.state === 'admitted' || again.position <= first[5]!.view.position).toBe(true);
    // The same entry, not a new one at the back: still the sixth arrival.
    expect((await t.engine.queueStatus(performanceId, buyers[5]!.id, Date.now()))!.seq).toBe(6);

    const views = [];
    for (const b of buyers) views.push(await admitted(performanceId, b.headers));
    expect(views.map((v) => v.state)).toEqual(Array(6).fill('admitted'));
    // A pass's id is its entry's arrival sequence, 1 for the first to join this performance.
    const passes = new TokenKind<PassClaims>(TEST_SECRET, 'queue-pass', { now: () => Date.now() });
    const ids = views.map((v) => passes.check(v.pass).pid);
    expect(ids).toEqual([1, 2, 3, 4, 5, 6]);
    expect(await t.queue.verifyPass(performanceId, buyers[0]!.id, views[0].pass)).toBe(1);
  });

  it('when many buyers join at the same moment, then their joins reach the engine together and each gets its own place', async () => {
    const { performanceId } = await onSalePerformance(t, { queue: { admitPerSecond: 5, maxActive: 1 } });
    // The one pass is taken first, so nobody else moves while the others join.
    const ahead = await buyer(t);
    await join(performanceId, ahead.headers);
    expect((await admitted(performanceId, ahead.headers)).state).toBe('admitted');
    const headers = (await bulkBuyers(t.db, 300, TEST_SECRET)).map((b) => b.headers);
    const batches = async () =>
      Number(
        /^tmomi_queue_join_batch_size_count (\d+)/m.exec(
          (await t.app.inject({ url: '/metrics', headers: METRICS_AUTH })).body,
        )?.[1] ?? 0,
      );
    const callsBefore = await batches();
    const views = (await Promise.all(headers.map((h) => join(performanceId, h)))).map((r) => r.json());
    expect(views.map((v) => v.position).sort((a, b) => a - b)).toEqual(headers.map((_, i) => i + 1));
    const calls = (await batches()) - callsBefore;
    expect(calls).toBeGreaterThan(0);
    expect(calls).toBeLessThan(300 / 10);
    // Joining again, together, gives everyone the same place.
    const again = (await Promise.all(headers.map((h) => join(performanceId, h)))).map((r) => r.json());
    expect(again.map((v) => v.position)).toEqual(views.map((v) => v.position)); // the ETA follows the measured rate
  });

  it('when a pass is misused, then the hold gate refuses it with the precise code', async () => {
    const { performanceId } = await onSalePerformance(t, { queue: { admitPerSecond: 50 } });
    const other = await onSalePerformance(t);
    const alice = await buyer(t);
    const bob = await buyer(t);
    await join(performanceId, alice.headers);
    const view = await admitted(performanceId, alice.headers);
    expect(view.state).toBe('admitted');
    const code = (p: Promise<unknown>) =>
      p.then(
        () => 'ACCEPTED',
        (err: { code?: string }) => err.code,
      );

    await expect(t.queue.verifyPass(performanceId, alice.id, undefined)).rejects.toMatchObject({
      code: 'QUEUE_PASS_REQUIRED',
      details: { performanceId },
    });
    expect(await code(t.queue.verifyPass(performanceId, bob.id, view.pass))).toBe('QUEUE_PASS_INVALID');
    expect(await code(t.queue.verifyPass(other.performanceId, alice.id, view.pass))).toBe(
      'QUEUE_PASS_INVALID',
    );
    const forged = new TokenKind<PassClaims>('another-secret-that-is-long-enough!!', 'queue-pass', {
      now: () => Date.now(),
    });
    const forgedPass = forged.issue({ perf: performanceId, sub: alice.id, pid: 1 }, 600).token;
    expect(await code(t.queue.verifyPass(performanceId, alice.id, forgedPass))).toBe('QUEUE_PASS_INVALID');
    const real = new TokenKind<PassClaims>(TEST_SECRET, 'queue-pass', { now: () => Date.now() });
    const expired = real.issueUntil({ perf: performanceId, sub: alice.id, pid: 1 }, Date.now() - 1000).token;
    expect(await code(t.queue.verifyPass(performanceId, alice.id, expired))).toBe('QUEUE_PASS_EXPIRED');
    // An access token is not a pass, even for the right user.
    expect(await code(t.queue.verifyPass(performanceId, alice.id, alice.token))).toBe('QUEUE_PASS_INVALID');

    // A node whose engine has forgotten the room (a wipe) knows nothing of the pass: expired, not used.
    const forgetful = await startTestApp(mode);
    try {
      expect(await code(forgetful.queue.verifyPass(performanceId, alice.id, view.pass))).toBe(
        'QUEUE_PASS_EXPIRED',
      );
    } finally {
      await forgetful.close();
    }

    const passId = await t.queue.verifyPass(performanceId, alice.id, view.pass);
    expect(await t.queue.consumePass(performanceId, alice.id, passId!)).toBe(true);
    expect(await t.queue.consumePass(performanceId, alice.id, passId!)).toBe(false);
    expect(await code(t.queue.verifyPass(performanceId, alice.id, view.pass))).toBe('QUEUE_PASS_USED');
  });

  it('when the waiting room is not open yet, the sale has closed or the performance is unknown, then a clear code', async () => {
    const now = Date.now();
    const later = await onSalePerformance(t, {
      salesOpenAt: iso(now + 2 * hour),
      salesCloseAt: iso(now + 3 * hour),
      startsAt: iso(now + 4 * hour),
      queue: { prequeueMinutes: 30 },
    });
    const b = await buyer(t);
    const early = await join(later.performanceId, b.headers);
    expect([early.statusCode, early.json().error.code]).toEqual([409, 'QUEUE_NOT_OPEN']);
    expect(early.json().error.details.opensAt).toBe(iso(now + 2 * hour - 30 * 60_000));

    const closed = await onSalePerformance(t, {
      salesOpenAt: iso(now - 2 * hour),
      salesCloseAt: iso(now - hour),
      startsAt: iso(now + hour),
    });
    const late = await join(closed.performanceId, b.headers);
    expect([late.statusCode, late.json().error.code]).toEqual([409, 'SALE_CLOSED']);
    expect(late.json().error.details).toEqual({ performanceId: closed.performanceId });
    // A room the engine has closed for the sale's end (a node whose clock runs behind still lets the
    // join reach the engine): refused as closed, with the reason.
    const ended = await onSalePerformance(t, {});
    await t.engine.queueClose(ended.performanceId, 'sale-closed', Date.now() + hour);
    const refused = await join(ended.performanceId, b.headers);
    expect([refused.statusCode, refused.json().error]).toEqual([
      409,
      expect.objectContaining({
        code: 'SALE_CLOSED',
        details: { performanceId: ended.performanceId, reason: 'sale-closed' },
      }),
    ]);

    // At the instants themselves: the room opens exactly at its opening, and closes exactly at the close.
    const clock = new TestClock(now + 2 * hour - 30 * 60_000 - 1);
    const node = await startTestApp(mode, { clock });
    try {
      const joinOn = (headers: Record<string, string>) =>
        node.app.inject({ method: 'POST', url: `/api/performances/${later.performanceId}/queue`, headers });
      // Tokens are the node's own: its clock is hours ahead of the other node's.
      const c = await buyer(node);
      expect((await joinOn(c.headers)).json().error.code).toBe('QUEUE_NOT_OPEN');
      clock.advance(1);
      expect((await joinOn(c.headers)).json()).toMatchObject({ state: 'prequeue' });
      clock.advance(30 * 60_000); // the sale opens: a join now is placed in line at once
      expect((await joinOn((await buyer(node)).headers)).json()).toMatchObject({ state: 'waiting' });
      clock.advance(60 * 60_000);
      expect((await joinOn((await buyer(node)).headers)).json().error).toMatchObject({
        code: 'SALE_CLOSED',
        details: { performanceId: later.performanceId },
      });
    } finally {
      await node.close();
    }
    // Without a waiting room, a join is admitted at once, with no place and no wait.
    const open = await onSalePerformance(t, { queue: { enabled: false } });
    expect((await join(open.performanceId, b.headers)).json()).toEqual({
      state: 'admitted',
      position: null,
      etaSeconds: 0,
    });

    const unknown = await join('999999999', b.headers);
    expect([unknown.statusCode, unknown.json().error.code]).toEqual([404, 'PERFORMANCE_NOT_FOUND']);
    const notJoined = await me(closed.performanceId, b.headers);
    expect([notJoined.statusCode, notJoined.json().error.code]).toEqual([404, 'NOT_IN_QUEUE']);
    const anonymous = await t.app.inject({
      method: 'POST',
      url: `/api/performances/${closed.performanceId}/queue`,
    });
    expect(anonymous.statusCode).toBe(401);
  });

  it('when users arrive during the pre-queue, then they wait without a position until the sale opens', async () => {
    const now = Date.now();
    const soon = await onSalePerformance(t, {
      salesOpenAt: iso(now + 10 * 60_000),
      salesCloseAt: iso(now + hour),
      startsAt: iso(now + 2 * hour),
    });
    const b = await buyer(t);
    const view = (await join(soon.performanceId, b.headers)).json();
    expect(view).toMatchObject({ state: 'prequeue', position: null, opensAt: iso(now + 10 * 60_000) });
    expect(view.etaSeconds).toBeGreaterThan(500);
  });

  it('when one user floods the join endpoint, then the answers are the same entry until the rate limit says 429', async () => {
    const { performanceId } = await onSalePerformance(t, { queue: { admitPerSecond: 1, maxActive: 1 } });
    await join(performanceId, (await buyer(t)).headers); // someone ahead, so the flooder keeps waiting
    const flooder = await buyer(t);
    const answers = await Promise.all(Array.from({ length: 40 }, () => join(performanceId, flooder.headers)));
    const ok = answers.filter((r) => r.statusCode === 200);
    expect(ok).toHaveLength(30);
    expect(new Set(ok.map((r) => r.json().state)).size).toBeLessThanOrEqual(2);
    const limited = answers.filter((r) => r.statusCode === 429);
    expect(limited).toHaveLength(10);
    expect(limited[0]!.json().error.code).toBe('RATE_LIMITED');
    expect((await t.engine.queueStats(performanceId, Date.now())).waiting).toBeLessThanOrEqual(2);
  });

  it('when many wait, then over several seconds the ticker admits admitPerSecond a second on average', async () => {
    const rate = 10;
    const { performanceId } = await onSalePerformance(t, {
      queue: { admitPerSecond: rate, maxActive: 1_000 },
    });
    // More than can be admitted before the window ends (a second's catch-up, a second to align, four
    // seconds of window, with room to spare), so the queue never runs dry and only the rate limits it.
    const waiters = await bulkBuyers(t.db, 90, TEST_SECRET);
    const joined = await Promise.all(waiters.map((w) => join(performanceId, w.headers)));
    expect(joined.map((r) => r.statusCode)).toEqual(waiters.map(() => 200));
    const total = async () => (await t.engine.queueStats(performanceId, Date.now())).admittedTotal;

    // The ticker finds a new performance at its next refresh (every 2 s), and its first round may
    // catch up on the part of the current second already gone: the window starts after both.
    const pickedUpBy = Date.now() + 6_000;
    while ((await total()) === 0 && Date.now() < pickedUpBy) await sleep(20);
    expect(await total()).toBeGreaterThan(0);
    await sleep(1_000 - (Date.now() % 1_000) + 20);
    const startedAt = Date.now();
    const atStart = await total();
    await sleep(4_000);
    const endedAt = Date.now();
    const atEnd = await total();

    expect(atEnd).toBeLessThan(waiters.length); // still people waiting: the rate, not the queue, limited it
    // Over 4 s the edges are worth a tick's share each (one admission at this rate), so the average is
    // within a few per cent of the setting; a slow, loaded machine only ever admits less (a second's
    // allowance not used by its end is gone), never more. An overshoot of 1.5× is 15 a second.
    const perSecond = ((atEnd - atStart) * 1_000) / (endedAt - startedAt);
    expect(perSecond).toBeGreaterThanOrEqual(0.8 * rate);
    expect(perSecond).toBeLessThanOrEqual(1.2 * rate);
  });

  it('when more wait than maxActive, then exactly maxActive are admitted, in order, and a used pass lets exactly the next one in', async () => {
    // Fifty a second would let all ten in within the first round or two: only the ceiling holds them back.
    const { performanceId } = await onSalePerformance(t, { queue: { admitPerSecond: 50, maxActive: 3 } });
    const waiters = await bulkBuyers(t.db, 10, TEST_SECRET);
    for (const w of waiters) expect((await join(performanceId, w.headers)).statusCode).toBe(200);
    const stats = () => t.engine.queueStats(performanceId, Date.now());
    const states = async () =>
      Promise.all(
        waiters.map(async (w) => (await t.engine.queueStatus(performanceId, w.id, Date.now()))!.state),
      );
    let activeSeen = 0;
    /** Samples until `total` have been admitted (bounded), then goes on sampling for `thenMs`. */
    const watch = async (total: number, thenMs: number) => {
      const deadline = Date.now() + 6_000;
      let settleUntil = Infinity;
      while (Date.now() < (settleUntil === Infinity ? deadline : settleUntil)) {
        const s = await stats();
        activeSeen = Math.max(activeSeen, s.active);
        if (s.admittedTotal >= total && settleUntil === Infinity) settleUntil = Date.now() + thenMs;
        await sleep(20);
      }
    };

    // Long enough for many rounds after the third admission: any of them could have let a fourth in.
    await watch(3, 1_000);
    expect(await stats()).toMatchObject({ admittedTotal: 3, active: 3, waiting: 7 });
    expect(activeSeen).toBe(3);
    expect(await states()).toEqual([...Array(3).fill('admitted'), ...Array(7).fill('waiting')]);

    // The first pass (id 1, its arrival sequence) used at checkout gives its slot back.
    expect(await t.queue.consumePass(performanceId, waiters[0]!.id, 1)).toBe(true);
    await watch(4, 1_000);
    expect(await stats()).toMatchObject({ admittedTotal: 4, active: 3, waiting: 6 });
    expect(activeSeen).toBe(3);
    expect(await states()).toEqual(['consumed', ...Array(3).fill('admitted'), ...Array(6).fill('waiting')]);
    expect((await t.engine.queueStatus(performanceId, waiters[3]!.id, Date.now()))!.pass?.passId).toBe(4);
  });

  it('when a client listens on the event stream, then it gets its position and then its admission with the pass', async () => {
    // The one pass is taken, so the listener waits second in line, a known place, until the test
    // lets it through.
    const { performanceId } = await onSalePerformance(t, { queue: { admitPerSecond: 10, maxActive: 1 } });
    const holder = await buyer(t);
    const ahead = await buyer(t);
    const listener = await buyer(t);
    await join(performanceId, holder.headers);
    expect((await admitted(performanceId, holder.headers)).state).toBe('admitted');
    await join(performanceId, ahead.headers);
    await join(performanceId, listener.headers);
    const stream = `${await baseUrl()}/api/performances/${performanceId}/queue/events`;
    expect((await fetch(stream)).status).toBe(401);

    // Once told its place, the one ahead leaves and the holder checks out (pass 1): the listener is next.
    let letThrough: Promise<unknown> | undefined;
    const { contentType, csp, events } = await readSse(
      stream,
      { cookie: `tmomi_session=${listener.token}` },
      (seen) => {
        if (!letThrough && seen.some((e) => e.event === 'position')) {
          letThrough = t.queue
            .leave(performanceId, ahead.id)
            .then(() => t.queue.consumePass(performanceId, holder.id, 1));
        }
        return seen.some((e) => e.event === 'admitted');
      },
    );
    expect(await letThrough).toBe(true);
    expect(contentType).toContain('text/event-stream');
    expect(csp).toBe("default-src 'none'; frame-ancestors 'none'"); // an API response (decision 007)
    expect(events[0]).toMatchObject({ event: 'position', data: { position: 2 } });
    const admittedEvent = events.at(-1)!;
    expect(admittedEvent.event).toBe('admitted');
    // The listener's pass: its entry, the third to join.
    expect(await t.queue.verifyPass(performanceId, listener.id, admittedEvent.data.pass as string)).toBe(3);
  });

  it('when streams arrive over one HTTP/2 connection on the same port as HTTP/1.1, then each buyer gets its own position and admission, and a bad one is refused alone', async () => {
    const { performanceId } = await onSalePerformance(t, { queue: { admitPerSecond: 20, maxActive: 100 } });
    const buyers = [];
    for (let i = 0; i < 12; i++) buyers.push(await buyer(t));
    for (const b of buyers) expect((await join(performanceId, b.headers)).statusCode).toBe(200);
    const base = await baseUrl();
    const session = http2.connect(base);
    try {
      const path = `/api/performances/${performanceId}/queue/events`;
      const follow = (headers: Record<string, string>) => {
        const events: StreamEvent[] = [];
        return followStreamH2(session, path, headers, undefined, 10_000, (event) => {
          events.push(event);
          return event.event === 'admitted';
        }).then((result) => ({ result, events }));
      };
      const streams = buyers.map((b) => follow({ cookie: `tmomi_session=${b.token}` }));
      const anonymous = follow({});
      // Meanwhile HTTP/1.1 on the same port still answers.
      expect(
        (await fetch(`${base}/api/performances/${performanceId}/queue/me`, { headers: buyers[0]!.headers }))
          .status,
      ).toBe(200);
      expect((await anonymous).result.status).toBe(401);
      const done = await Promise.all(streams);
      for (const [i, { result, events }] of done.entries()) {
        expect(result.status).toBe(200);
        expect(result.headers['content-type']).toContain('text/event-stream');
        const pass = events.find((e) => e.event === 'admitted')?.data.pass as string;
        // Each its own pass: the id is the buyer's arrival sequence.
        expect(await t.queue.verifyPass(performanceId, buyers[i]!.id, pass)).toBe(i + 1);
      }
    } finally {
      session.close();
    }
  });

  it('when the engine’s admitted counter restarts (a Redis wipe), then polls still answer, with an ETA that is never negative', async () => {
    const { performanceId } = await onSalePerformance(t, { queue: { admitPerSecond: 1, maxActive: 100 } });
    const buyers = await Promise.all(Array.from({ length: 12 }, () => buyer(t)));
    // What this node measured before the wipe: five admitted; the restarted counter stays below that
    // (one a second at most) while the last of twelve waits.
    t.queue.rates.record(performanceId, { admittedTotal: 5, active: 5 });
    for (const b of buyers) expect((await join(performanceId, b.headers)).statusCode).toBe(200);
    await sleep(1_100);
    const polled = await me(performanceId, buyers.at(-1)!.headers);
    expect(polled.statusCode).toBe(200);
    expect(polled.json()).toMatchObject({ state: 'waiting' });
    expect(polled.json().etaSeconds).toBeGreaterThanOrEqual(0);
  });

  it('when joins name performances that do not exist, then no metric series is made for them, and a closed room’s gauges go', async () => {
    const series = async (name: string) =>
      ((await t.metrics.getSingleMetric(name)?.get())?.values ?? []).map((v) => String(v.labels.performance));
    const who = await buyer(t);
    const unknown = Array.from({ length: 30 }, (_, i) => String(900_000_000 + i));
    for (const id of unknown) expect((await join(id, who.headers)).statusCode).toBe(404);
    expect((await series('tmomi_queue_joins_total')).filter((id) => unknown.includes(id))).toEqual([]);

    const { performanceId } = await onSalePerformance(t);
    expect((await join(performanceId, who.headers)).statusCode).toBe(200);
    expect(await series('tmomi_queue_joins_total')).toContain(performanceId);
    // The leader's ticker reports the open room; once its sale is over, the room's gauges are removed.
    await expect.poll(() => series('tmomi_queue_max_active'), { timeout: 10_000 }).toContain(performanceId);
    await t.db.query(`UPDATE performances SET sales_close_at = now() - interval '1 second' WHERE id = $1`, [
      performanceId,
    ]);
    await expect
      .poll(() => series('tmomi_queue_max_active'), { timeout: 10_000 })
      .not.toContain(performanceId);
    expect(await series('tmomi_queue_waiting')).not.toContain(performanceId);
    expect(await series('tmomi_queue_active_passes')).not.toContain(performanceId);
  });

  it('when the performance sells out, then waiting streams get closed with the reason, polls and joins say sold out, admission stops, and a refund reopens it', async () => {
    // Four seats, one admission a second: the first buyer takes every seat while the others wait.
    const { performanceId } = await onSalePerformance(
      t,
      { maxTicketsPerUser: 4, queue: { admitPerSecond: 1, maxActive: 100 } },
      { rows: 1, seatsPerRow: 4 },
    );
    const first = await buyer(t);
    const others = [];
    for (let i = 0; i < 10; i++) others.push(await buyer(t));
    const listener = others.at(-1)!;
    for (const b of [first, ...others]) expect((await join(performanceId, b.headers)).statusCode).toBe(200);
    const stream = readSse(
      `${await baseUrl()}/api/performances/${performanceId}/queue/events`,
      { cookie: `tmomi_session=${listener.token}` },
      (seen) => seen.some((e) => e.event === 'closed'),
    );

    const view = await admitted(performanceId, first.headers);
    expect(view.state).toBe('admitted');
    const held = await t.app.inject({
      method: 'POST',
      url: `/api/performances/${performanceId}/holds`,
      headers: { ...first.headers, 'x-queue-pass': view.pass },
      payload: { seatNos: [0, 1, 2, 3] },
    });
    expect(held.statusCode).toBe(201);
    const paid = await t.app.inject({
      method: 'POST',
      url: `/api/holds/${held.json().holdId}/checkout`,
      headers: { ...first.headers, 'idempotency-key': 'sell-out' },
      payload: { payment: { card: '4242424242424242' } },
    });
    expect(paid.statusCode).toBe(201);

    const { events } = await stream;
    expect(events.at(-1)).toMatchObject({ event: 'closed', data: { state: 'closed', reason: 'sold-out' } });
    expect(events.some((e) => e.event === 'admitted')).toBe(false);
    const polled = (await me(performanceId, listener.headers)).json();
    expect(polled).toMatchObject({ state: 'closed', position: null, reason: 'sold-out' });
    // The buyer still hears that their pass was used, not that the room closed.
    expect((await me(performanceId, first.headers)).json().state).toBe('consumed');
    const late = await join(performanceId, (await buyer(t)).headers);
    expect([late.statusCode, late.json().error.code]).toEqual([409, 'SOLD_OUT']);
    expect(late.json().error.details).toEqual({ performanceId, reason: 'sold-out' });
    const again = await join(performanceId, listener.headers);
    expect([again.statusCode, again.json().error.code]).toEqual([409, 'SOLD_OUT']);

    // At one a second, two more seconds would admit two more of the people still waiting.
    const before = await t.engine.queueStats(performanceId, Date.now());
    expect(before).toMatchObject({ closed: 'sold-out' });
    expect(before.waiting).toBeGreaterThan(0);
    await sleep(2_100);
    expect((await t.engine.queueStats(performanceId, Date.now())).admittedTotal).toBe(before.admittedTotal);

    // A refund puts the seats back: the room reopens, and whoever still waits keeps their place.
    const cancelled = await t.app.inject({
      method: 'POST',
      url: `/api/orders/${paid.json().id}/cancel`,
      headers: first.headers,
    });
    expect(cancelled.statusCode).toBe(200);
    let reopened = await me(performanceId, listener.headers);
    for (let waited = 0; reopened.json().state === 'closed' && waited < 5_000; waited += 100) {
      await sleep(100);
      reopened = await me(performanceId, listener.headers);
    }
    expect(['waiting', 'admitted']).toContain(reopened.json().state);
    expect((await join(performanceId, (await buyer(t)).headers)).statusCode).toBe(200);
  });

  it('when the seat map still shows a sold seat free (its node died before flipping it), then the room still closes and the map is put right', async () => {
    const { performanceId } = await onSalePerformance(
      t,
      { maxTicketsPerUser: 4, queue: { admitPerSecond: 1, maxActive: 100 } },
      { rows: 1, seatsPerRow: 2 },
    );
    const first = await buyer(t);
    const waiting = await buyer(t);
    for (const b of [first, waiting]) expect((await join(performanceId, b.headers)).statusCode).toBe(200);
    const view = await admitted(performanceId, first.headers);
    const held = await t.app.inject({
      method: 'POST',
      url: `/api/performances/${performanceId}/holds`,
      headers: { ...first.headers, 'x-queue-pass': view.pass },
      payload: { seatNos: [0, 1] },
    });
    expect(held.statusCode).toBe(201);
    // What a node killed between its commit and its flip leaves behind: seat 1 shown free.
    await t.app.inject({ method: 'GET', url: `/api/performances/${performanceId}/availability` });
    await t.engine.availabilityFlip(performanceId, [1], true, Date.now());
    expect((await t.engine.availabilityRead(performanceId, Date.now())).bits?.[0]).toBe(0b10);
    const paid = await t.app.inject({
      method: 'POST',
      url: `/api/holds/${held.json().holdId}/checkout`,
      headers: { ...first.headers, 'idempotency-key': 'stale-map' },
      payload: { payment: { card: '4242424242424242' } },
    });
    expect(paid.statusCode).toBe(201);

    // Believed for at most 5 s: then PostgreSQL is asked, and its word closes the room.
    let polled = (await me(performanceId, waiting.headers)).json();
    for (let waited = 0; polled.state !== 'closed' && waited < 10_000; waited += 200) {
      await sleep(200);
      polled = (await me(performanceId, waiting.headers)).json();
    }
    expect(polled).toMatchObject({ state: 'closed', reason: 'sold-out' });
    const { bits } = await t.engine.availabilityRead(performanceId, Date.now());
    expect(bits?.[0]).toBe(0);
  });
});
