import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminHeaders, buyer, modes, onSalePerformance, startTestApp, type TestApp } from './harness.js';
import { TEST_CARDS } from '../src/booking/payments.js';
import { bookingViolations } from '../src/loadtest/invariants.js';
import { followStream, type StreamEvent } from '../src/loadtest/sse.js';

type Headers = Record<string, string>;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Live sale controls on two nodes sharing one PostgreSQL and one engine (the memory engine in the
 * embedded mode, Redis in the scaled one): what an organizer does on one node is obeyed on the other.
 */
describe.each(modes())('live sale controls on two nodes ($name)', (mode) => {
  let a: TestApp;
  let b: TestApp;
  let admin: Headers;
  let baseB: string;

  beforeAll(async () => {
    a = await startTestApp(mode);
    b = await startTestApp(mode, { sharedEngine: a.engine });
    admin = await adminHeaders(a);
    await b.app.listen({ port: 0, host: '127.0.0.1' });
    baseB = `http://127.0.0.1:${(b.app.server.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  const send = (
    node: TestApp,
    method: 'GET' | 'POST' | 'PATCH',
    url: string,
    headers: Headers,
    payload?: object,
  ) => node.app.inject({ method, url, headers, ...(payload ? { payload } : {}) });
  const control = (node: TestApp, perf: string, what: 'pause' | 'resume') =>
    send(node, 'POST', `/api/admin/performances/${perf}/queue/${what}`, admin);
  const join = (node: TestApp, perf: string, who: { headers: Headers }) =>
    send(node, 'POST', `/api/performances/${perf}/queue`, who.headers);
  const poll = async (node: TestApp, perf: string, who: { headers: Headers }) =>
    (await send(node, 'GET', `/api/performances/${perf}/queue/me`, who.headers)).json<{
      state: string;
      position: number | null;
    }>();
  const admittedTotal = async (perf: string) => (await a.engine.queueStats(perf, Date.now())).admittedTotal;

  it('when admission is paused on node A, then node B admits nobody while paused, waiters see "paused", and resume admits in the original order', async () => {
    const { performanceId: perf } = await onSalePerformance(a, {
      queue: { admitPerSecond: 4, maxActive: 1000 },
    });
    const buyers = [];
    for (let i = 0; i < 10; i++) buyers.push(await buyer(a));
    for (const [i, who] of buyers.entries())
      expect((await join(i % 2 ? b : a, perf, who)).statusCode).toBe(200);
    // Admission runs (on whichever node leads) before the pause.
    const deadline = Date.now() + 5_000;
    while ((await admittedTotal(perf)) < 1 && Date.now() < deadline) await sleep(50);
    const last = buyers.at(-1)!;
    const events: StreamEvent[] = [];
    const stream = followStream(
      `${baseB}/api/performances/${perf}/queue/events`,
      last.headers,
      undefined,
      30_000,
      (event) => (events.push(event), event.event === 'admitted'),
    );

    const paused = await control(a, perf, 'pause');
    expect(paused.statusCode, paused.body).toBe(200);
    expect(paused.json().queue.paused).toBe(true);
    const atPause = await admittedTotal(perf);
    const waiting = buyers.slice(atPause);
    // Node B: joins still taken, at the back; polls say paused with the place; nobody let in for 2.5 s.
    const late = await buyer(a);
    expect((await join(b, perf, late)).json()).toMatchObject({
      state: 'paused',
      position: waiting.length + 1,
    });
    const views = [];
    for (const who of waiting) views.push(await poll(b, perf, who));
    expect(views).toEqual(waiting.map((_, i) => ({ state: 'paused', position: i + 1, etaSeconds: null })));
    const samples = [];
    for (let i = 0; i < 5; i++) {
      await sleep(500);
      samples.push(await admittedTotal(perf));
    }
    console.log(`paused at ${atPause} admitted; over the next 2.5 s: ${samples.join(', ')}`);
    expect(samples).toEqual(Array(5).fill(atPause));
    expect(
      (await b.app.inject({ method: 'GET', url: `/api/performances/${perf}` })).json().queue.paused,
    ).toBe(true);

    // Resumed on node B: everyone waiting is let in, in the order they joined (the late one last).
    const resumedAt = Date.now();
    expect((await control(b, perf, 'resume')).json().queue.paused).toBe(false);
    const order = [...waiting, late];
    const admittedIds: string[] = [];
    while (admittedIds.length < order.length && Date.now() - resumedAt < 15_000) {
      // One read of everyone (one engine call), so admission cannot move between two buyers' reads.
      const rest = order.slice(admittedIds.length);
      const states = (
        await a.engine.queueObserve(
          perf,
          rest.map((who) => who.id),
          Date.now(),
        )
      ).map((entry) => entry?.state);
      const admittedNow = states.findIndex((state) => state !== 'admitted');
      admittedIds.push(...rest.slice(0, admittedNow === -1 ? rest.length : admittedNow).map((who) => who.id));
      // Whoever is admitted is a prefix of the order: nobody after a waiting buyer was let in first.
      if (admittedNow !== -1)
        expect(states.slice(admittedNow)).toEqual(states.slice(admittedNow).map(() => 'waiting'));
      await sleep(100);
    }
    expect(admittedIds).toEqual(order.map((who) => who.id));
    await stream;
    // The stream on node B: a place, then paused (with the place), then a place again, then the pass.
    const names = events.map((e) => e.event).filter((name, i, all) => name !== all[i - 1]);
    expect(names).toEqual(['position', 'paused', 'position', 'admitted']);
    expect(events.find((e) => e.event === 'paused')!.data).toMatchObject({ state: 'paused' });
  });

  it('when the admission rate is changed on node B, then the leader obeys it within a second (measured before and after)', async () => {
    const { performanceId: perf } = await onSalePerformance(a, {
      queue: { admitPerSecond: 5, maxActive: 100_000 },
    });
    const now = Date.now();
    const ids = Array.from({ length: 300 }, (_, i) => `rate-${perf}-${i}`);
    await a.engine.queueJoinMany(perf, ids, { now, open: true, until: now + 24 * 3600_000 });
    const keepSeen = setInterval(() => void a.engine.queueObserve(perf, ids, Date.now()), 1_000);
    try {
      const measure = async (ms: number) => {
        const [t0, n0] = [Date.now(), await admittedTotal(perf)];
        await sleep(ms);
        return ((await admittedTotal(perf)) - n0) / ((Date.now() - t0) / 1000);
      };
      await sleep(1_000); // into the steady rate
      const before = await measure(3_000);
      const changed = await send(b, 'PATCH', `/api/admin/performances/${perf}`, admin, {
        queue: { admitPerSecond: 25 },
      });
      expect(changed.statusCode, changed.body).toBe(200);
      expect(changed.json().queue.admitPerSecond).toBe(25);
      await sleep(1_000);
      const after = await measure(3_000);
      console.log(`admitted per second: ${before.toFixed(1)} at 5/s, then ${after.toFixed(1)} at 25/s`);
      expect(before).toBeGreaterThan(3.5);
      expect(before).toBeLessThan(6.5);
      expect(after).toBeGreaterThan(20);
      expect(after).toBeLessThan(28);
    } finally {
      clearInterval(keepSeen);
    }
  });

  it('when the sale window is closed on node A mid-sale, then node B refuses new joins and holds with SALE_CLOSED within 2 s, and paid orders stay paid', async () => {
    const { performanceId: perf } = await onSalePerformance(a, {
      queue: { admitPerSecond: 50, maxActive: 1000 },
    });
    const payer = await buyer(a);
    const holder = await buyer(a);
    const admittedPass = async (node: TestApp, who: { headers: Headers }) => {
      await join(node, perf, who);
      for (let i = 0; i < 100; i++) {
        const view = (await send(node, 'GET', `/api/performances/${perf}/queue/me`, who.headers)).json();
        if (view.state === 'admitted') return view.pass as string;
        await sleep(50);
      }
      throw new Error('never admitted');
    };
    const hold = (node: TestApp, who: { headers: Headers }, pass: string, seatNos: number[]) =>
      send(
        node,
        'POST',
        `/api/performances/${perf}/holds`,
        { ...who.headers, 'x-queue-pass': pass },
        { seatNos },
      );
    const payerPass = await admittedPass(b, payer);
    const held = await hold(b, payer, payerPass, [0, 1]);
    expect(held.statusCode, held.body).toBe(201);
    const paid = await send(
      b,
      'POST',
      `/api/holds/${held.json().holdId}/checkout`,
      { ...payer.headers, 'idempotency-key': `live-${perf}` },
      { payment: { card: TEST_CARDS.succeeds } },
    );
    expect(paid.statusCode, paid.body).toBe(201);
    const holderPass = await admittedPass(a, holder);
    // Node B has read the performance (its cache is warm) before the change.
    expect((await hold(b, holder, holderPass, [5])).statusCode).toBe(201);

    const latecomer = await buyer(a);
    const closedAt = Date.now();
    const closed = await send(a, 'PATCH', `/api/admin/performances/${perf}`, admin, {
      salesCloseAt: new Date(closedAt).toISOString(),
    });
    expect(closed.statusCode, closed.body).toBe(200);
    expect(closed.json().saleState).toBe('closed');
    const answeredAt = Date.now();
    let refusedAfter: number | undefined;
    let holdRefusal: { statusCode: number; body: string } | undefined;
    while (Date.now() - closedAt < 3_000) {
      holdRefusal = await hold(b, holder, holderPass, [6]);
      if (holdRefusal.statusCode === 409) {
        refusedAfter = Date.now() - answeredAt;
        break;
      }
      await sleep(20);
    }
    console.log(
      `node A answered the close in ${answeredAt - closedAt} ms; node B refused holds ${refusedAfter} ms after`,
    );
    expect(refusedAfter).toBeLessThan(2_000);
    expect(JSON.parse(holdRefusal!.body).error.code).toBe('SALE_CLOSED');
    const joinRefusal = await join(b, perf, latecomer);
    expect(joinRefusal.statusCode).toBe(409);
    expect(joinRefusal.json().error.code).toBe('SALE_CLOSED');
    // The paid order, read on node B: still paid, its tickets valid.
    const order = (await send(b, 'GET', `/api/orders/${paid.json().id}`, payer.headers)).json();
    expect(order.status).toBe('paid');
    expect(order.tickets.map((ticket: { status: string }) => ticket.status)).toEqual(['valid', 'valid']);
    expect(await bookingViolations(a.db, perf)).toEqual([]);
  });
});
