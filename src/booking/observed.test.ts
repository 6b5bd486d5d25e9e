import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  adminHeaders,
  buyer,
  METRICS_AUTH,
  modes,
  onSalePerformance,
  startTestApp,
  TEST_SECRET,
  TestClock,
  type TestApp,
} from '../../test/harness.js';
import { isFree } from '../contract/bitset.js';
import { TicketCodes } from './codes.js';
import { HookedPayments } from '../../test/payments.js';
import { TEST_CARDS } from './payments.js';

// Booking as its clients and its operators see it: the details every refusal carries (clients act on
// them: which seats to strike out, when the sale opens, which order to look at) and the counters the
// dashboards and alerts read. Stryker showed both could be broken without a test noticing.

type Headers = Record<string, string>;
const noQueue = { queue: { enabled: false } };

describe.each(modes())('booking, observed from outside ($name)', (mode) => {
  let t: TestApp;
  let admin: Headers;
  const clock = new TestClock();
  const payments = new HookedPayments({ latencyMs: 1, timeoutMs: 100 });

  beforeAll(async () => {
    t = await startTestApp(mode, { clock, payments, settings: { paymentTimeoutMs: 100 } });
    admin = await adminHeaders(t);
  });
  afterAll(() => t.close());

  const inject = (method: 'GET' | 'POST' | 'DELETE', url: string, headers: Headers, payload?: object) =>
    t.app.inject({ method, url, headers, ...(payload ? { payload } : {}) });
  const hold = (perf: string, headers: Headers, body: object, key?: string) =>
    inject(
      'POST',
      `/api/performances/${perf}/holds`,
      key ? { ...headers, 'idempotency-key': key } : headers,
      body,
    );
  const pay = (holdId: string, headers: Headers, key: string, card: string = TEST_CARDS.succeeds) =>
    inject(
      'POST',
      `/api/holds/${holdId}/checkout`,
      { ...headers, 'idempotency-key': key },
      { payment: { card } },
    );

  /** Every sample of /metrics, by name and labels as written (`tmomi_holds_total{outcome="placed"}`). */
  const scrape = async (): Promise<Map<string, number>> => {
    const text = (await inject('GET', '/metrics', METRICS_AUTH)).body;
    const samples = new Map<string, number>();
    for (const line of text.split('\n')) {
      if (line === '' || line.startsWith('#')) continue;
      const space = line.lastIndexOf(' ');
      samples.set(line.slice(0, space), Number(line.slice(space + 1)));
    }
    return samples;
  };
  /** What `act` added to each named sample (only the nonzero changes). */
  const counted = async (act: () => Promise<unknown>): Promise<Record<string, number>> => {
    // The sweeper's expiries of other tests' holds would land in the count: it waits meanwhile.
    await t.sweeper.stop();
    let before: Map<string, number>, after: Map<string, number>;
    try {
      before = await scrape();
      await act();
      after = await scrape();
    } finally {
      t.sweeper.start();
    }
    const changes: Record<string, number> = {};
    for (const [name, value] of after) {
      const change = value - (before.get(name) ?? 0);
      // Gate rebuilds run beside the request that found the gate cold: counted in their own test.
      const watched =
        /^tmomi_(holds|hold_gate_rej|oversell|orders|payments|revenue|refund|tickets_sold|checkins)/;
      if (change !== 0 && watched.test(name)) changes[name] = change;
    }
    return changes;
  };
  const errorOf = (res: { statusCode: number; json: () => unknown }) => ({
    status: res.statusCode,
    ...(res.json() as { error: { code: string; message: string; details?: unknown } }).error,
  });
  const holdIdOf = (res: { json: () => unknown }) => (res.json() as { holdId: string }).holdId;

  it('when holds are placed, replayed, refused and released, then each is counted by outcome and carries its details', async () => {
    const { performanceId } = await onSalePerformance(t, { ...noQueue, maxTicketsPerUser: 3 });
    const alice = await buyer(t);
    const bob = await buyer(t);
    const rebuilds = async () =>
      (await scrape()).get('tmomi_hold_gate_rebuilds_total{outcome="stored"}') ?? 0;
    const rebuiltBefore = await rebuilds();

    let first!: Awaited<ReturnType<typeof hold>>;
    expect(
      await counted(
        async () => (first = await hold(performanceId, alice.headers, { seatNos: [5, 6] }, 'k1')),
      ),
    ).toEqual({ 'tmomi_holds_total{outcome="placed"}': 1 });
    // The first hold found the performance's gate cold and rebuilt it from PostgreSQL, once.
    await expect.poll(rebuilds).toBe(rebuiltBefore + 1);
    // The same key again after the seats are taken (by itself): its first hold, counted as a replay.
    let again!: Awaited<ReturnType<typeof hold>>;
    const replay = await counted(
      async () => (again = await hold(performanceId, alice.headers, { seatNos: [5, 6] }, 'k1')),
    );
    expect(holdIdOf(again)).toBe(holdIdOf(first));
    expect(replay['tmomi_holds_total{outcome="replayed"}']).toBe(1);
    expect(replay['tmomi_holds_total{outcome="placed"}']).toBeUndefined();
    // A node that made a hold may die before it flips the seat map: the replay flips it again.
    await inject('GET', `/api/performances/${performanceId}/availability`, {}); // the map, in the engine
    await t.engine.availabilityFlip(performanceId, [5, 6], true, clock.now());
    await hold(performanceId, alice.headers, { seatNos: [5, 6] }, 'k1');
    const { bits } = await t.engine.availabilityRead(performanceId, clock.now());
    expect([isFree(bits!, 5), isFree(bits!, 6)]).toEqual([false, false]);
    // The same key for other seats (as many) is refused, naming the hold the key made.
    expect(errorOf(await hold(performanceId, alice.headers, { seatNos: [5, 7] }, 'k1'))).toMatchObject({
      status: 422,
      code: 'IDEMPOTENCY_KEY_REUSED',
      details: { holdId: holdIdOf(first) },
    });

    // Another node, whose gate is cold, lets Bob's request through to PostgreSQL, which refuses it.
    const cold = await startTestApp(mode, { clock, payments });
    try {
      const res = await cold.app.inject({
        method: 'POST',
        url: `/api/performances/${performanceId}/holds`,
        headers: bob.headers,
        payload: { seatNos: [4, 5] },
      });
      expect(errorOf(res)).toMatchObject({
        status: 409,
        code: 'SEAT_UNAVAILABLE',
        details: { seatNos: [5] },
      });
      const guarded = (await cold.app.inject({ method: 'GET', url: '/metrics', headers: METRICS_AUTH })).body;
      expect(guarded).toMatch(/^tmomi_oversell_guard_rejections_total 1$/m);
    } finally {
      await cold.close();
    }

    // Once the gate is warm it turns away, before PostgreSQL, a seat held since.
    const carol = await buyer(t);
    expect((await hold(performanceId, carol.headers, { seatNos: [9] })).statusCode).toBe(201);
    let taken!: Awaited<ReturnType<typeof hold>>;
    expect(
      await counted(async () => (taken = await hold(performanceId, bob.headers, { seatNos: [8, 9] }))),
    ).toEqual({
      'tmomi_hold_gate_rejections_total{reason="taken"}': 1,
    });
    expect(errorOf(taken)).toMatchObject({
      status: 409,
      code: 'SEAT_UNAVAILABLE',
      details: { seatNos: [9] },
    });

    // Carol's hold was made with the gate warm, so the gate counts it against her cap.
    let limited!: Awaited<ReturnType<typeof hold>>;
    expect(
      await counted(
        async () => (limited = await hold(performanceId, carol.headers, { seatNos: [20, 21, 22] })),
      ),
    ).toEqual({
      'tmomi_hold_gate_rejections_total{reason="limit"}': 1,
    });
    expect(errorOf(limited)).toMatchObject({
      status: 422,
      code: 'TICKET_LIMIT',
      details: { max: 3, held: 1 },
    });
    expect(errorOf(await hold(performanceId, bob.headers, { seatNos: [30, 31, 32, 33] }))).toMatchObject({
      code: 'TICKET_LIMIT',
      details: { max: 3, requested: 4 },
    });

    const holdId = holdIdOf(first);
    expect(await counted(() => inject('DELETE', `/api/holds/${holdId}`, alice.headers))).toEqual({
      'tmomi_holds_total{outcome="released"}': 1,
    });
    // Releasing again is idempotent and counts nothing; someone else's hold is not found.
    expect(await counted(() => inject('DELETE', `/api/holds/${holdId}`, alice.headers))).toEqual({});
    expect(errorOf(await inject('DELETE', `/api/holds/${holdId}`, bob.headers))).toMatchObject({
      status: 404,
      code: 'HOLD_NOT_FOUND',
      details: { holdId },
    });
    expect(errorOf(await inject('GET', `/api/holds/${holdId}`, bob.headers))).toMatchObject({
      code: 'HOLD_NOT_FOUND',
      details: { holdId },
    });
  });

  it('when a hold request is wrong, then the refusal names what is wrong', async () => {
    const { performanceId } = await onSalePerformance(t, noQueue, { rows: 2, seatsPerRow: 5 });
    const alice = await buyer(t);
    expect(errorOf(await hold(performanceId, alice.headers, { seatNos: [3, 1, 3] }))).toMatchObject({
      status: 400,
      code: 'VALIDATION_FAILED',
      message: 'A seat is listed twice.',
      details: { seatNos: [3, 1, 3] },
    });
    expect(errorOf(await hold(performanceId, alice.headers, { seatNos: [9, 10, 11] }))).toMatchObject({
      status: 422,
      code: 'INVALID_SEAT',
      details: { seatNos: [10, 11] },
    });
    expect(errorOf(await hold(performanceId, alice.headers, { grade: 'VIP', quantity: 1 }))).toMatchObject({
      code: 'UNKNOWN_GRADE_REQUESTED',
      details: { grade: 'VIP' },
    });
    const bob = await buyer(t);
    await hold(performanceId, bob.headers, { grade: 'R', quantity: 4 });
    await hold(performanceId, (await buyer(t)).headers, { grade: 'R', quantity: 4 });
    expect(errorOf(await hold(performanceId, alice.headers, { grade: 'R', quantity: 3 }))).toEqual({
      status: 409,
      code: 'SEAT_UNAVAILABLE',
      message: 'Not enough seats of this grade are left together or apart.',
      details: { grade: 'R', quantity: 3 },
    });
  });

  it('when the sale is not open or has closed, then the refusal says when it opens, or which performance closed', async () => {
    const opensAt = new Date(clock.now() + 60_000);
    const { performanceId: later } = await onSalePerformance(t, {
      ...noQueue,
      salesOpenAt: opensAt.toISOString(),
    });
    const alice = await buyer(t);
    expect(errorOf(await hold(later, alice.headers, { seatNos: [1] }))).toMatchObject({
      status: 409,
      code: 'SALE_NOT_OPEN',
      details: { opensAt: opensAt.toISOString() },
    });
    const { performanceId: closing } = await onSalePerformance(t, {
      ...noQueue,
      salesCloseAt: new Date(clock.now() + 60_000).toISOString(),
    });
    const local = new TestClock(clock.now());
    const node = await startTestApp(mode, { clock: local, payments });
    try {
      local.advance(60_000); // exactly at the open: open; exactly at the close: closed
      const opening = await node.app.inject({
        method: 'POST',
        url: `/api/performances/${later}/holds`,
        headers: alice.headers,
        payload: { seatNos: [1] },
      });
      expect(opening.statusCode).toBe(201);
      const res = await node.app.inject({
        method: 'POST',
        url: `/api/performances/${closing}/holds`,
        headers: alice.headers,
        payload: { seatNos: [1] },
      });
      expect(errorOf(res)).toMatchObject({
        status: 409,
        code: 'SALE_CLOSED',
        details: { performanceId: closing },
      });
    } finally {
      await node.close();
    }
  });

  it('when payments succeed, are declined or time out, then orders, payments and revenue are counted and the refusal names the order', async () => {
    const { performanceId } = await onSalePerformance(t, noQueue);
    const alice = await buyer(t);
    const held = async (seat: number) =>
      holdIdOf(await hold(performanceId, alice.headers, { seatNos: [seat] }));

    const paidHold = await held(1);
    expect(await counted(() => pay(paidHold, alice.headers, 'pay-1'))).toEqual({
      'tmomi_payments_total{outcome="succeeded"}': 1,
      'tmomi_orders_total{status="paid"}': 1,
      'tmomi_revenue_total{currency="KRW"}': 50_000,
      tmomi_tickets_sold_total: 1,
    });
    expect(errorOf(await pay(paidHold, alice.headers, 'pay-1b'))).toMatchObject({
      status: 409,
      code: 'HOLD_ALREADY_PAID',
      details: { holdId: paidHold },
    });
    // The payment told the gate the seat is sold (checkout's afterPaid): long after the hold would have
    // run out, the gate still turns a request for it away itself, and PostgreSQL's guard is not reached.
    clock.advance(301_000);
    const bob = await buyer(t);
    let late!: Awaited<ReturnType<typeof hold>>;
    expect(
      await counted(async () => (late = await hold(performanceId, bob.headers, { seatNos: [1] }))),
    ).toEqual({ 'tmomi_hold_gate_rejections_total{reason="taken"}': 1 });
    expect(errorOf(late)).toMatchObject({ status: 409, details: { seatNos: [1] } });

    const declinedHold = await held(2);
    let declined!: Awaited<ReturnType<typeof pay>>;
    expect(
      await counted(
        async () => (declined = await pay(declinedHold, alice.headers, 'pay-2', TEST_CARDS.declined)),
      ),
    ).toEqual({ 'tmomi_payments_total{outcome="declined"}': 1, 'tmomi_orders_total{status="cancelled"}': 1 });
    expect(errorOf(declined)).toMatchObject({
      status: 402,
      code: 'PAYMENT_DECLINED',
      details: { reason: 'card-declined' },
    });
    const cancelledOrder = async (res: Awaited<ReturnType<typeof pay>>) => {
      const { orderId } = errorOf(res).details as { orderId: string };
      const order = await inject('GET', `/api/orders/${orderId}`, alice.headers);
      return order.json<{ status: string; holdId: string }>();
    };
    expect(await cancelledOrder(declined)).toMatchObject({ status: 'cancelled', holdId: declinedHold });

    const slowHold = await held(3);
    let slow!: Awaited<ReturnType<typeof pay>>;
    expect(
      await counted(async () => (slow = await pay(slowHold, alice.headers, 'pay-3', TEST_CARDS.timesOut))),
    ).toEqual({ 'tmomi_payments_total{outcome="timeout"}': 1, 'tmomi_orders_total{status="cancelled"}': 1 });
    expect(errorOf(slow)).toMatchObject({ status: 504, code: 'PAYMENT_TIMEOUT' });
    expect(await cancelledOrder(slow)).toMatchObject({ status: 'cancelled', holdId: slowHold });

    const releasedHold = await held(4);
    await inject('DELETE', `/api/holds/${releasedHold}`, alice.headers);
    expect(errorOf(await pay(releasedHold, alice.headers, 'pay-4'))).toMatchObject({
      status: 410,
      code: 'HOLD_RELEASED',
      details: { holdId: releasedHold },
    });
    expect(errorOf(await pay(paidHold, (await buyer(t)).headers, 'pay-5'))).toMatchObject({
      status: 404,
      code: 'HOLD_NOT_FOUND',
      details: { holdId: paidHold },
    });
  });

  it('when the provider fails with an error that is not a timeout, then it is counted, and a retry after the claim runs out charges once', async () => {
    const { performanceId } = await onSalePerformance(t, noQueue);
    const alice = await buyer(t);
    const holdId = holdIdOf(await hold(performanceId, alice.headers, { seatNos: [7] }));
    // The provider fails the next charge with an error that is not a timeout.
    payments.duringCharge = () => {
      payments.duringCharge = undefined;
      throw new Error('the provider answered 503');
    };
    let failed!: Awaited<ReturnType<typeof pay>>;
    expect(await counted(async () => (failed = await pay(holdId, alice.headers, 'flaky')))).toEqual({
      'tmomi_payments_total{outcome="error"}': 1,
    });
    expect(failed.statusCode).toBe(500);
    // The failed request's claim on the order runs out; the retry takes the order over and charges it.
    const charges = payments.chargeCount;
    clock.advance(10_000);
    const retried = await pay(holdId, alice.headers, 'flaky');
    expect(retried.statusCode).toBe(201);
    expect(retried.json()).toMatchObject({ status: 'paid', seatNos: [7] });
    expect(payments.chargeCount).toBe(charges + 1);
  });

  it('when the hold expired while the payment went through, then the refusal says it was refunded, and the refund is counted', async () => {
    const { performanceId } = await onSalePerformance(t, { ...noQueue, holdTtlSeconds: 60 });
    const alice = await buyer(t);
    const holdId = holdIdOf(await hold(performanceId, alice.headers, { seatNos: [8] }));
    let late!: Awaited<ReturnType<typeof pay>>;
    // The charge starts in time; the clock passes the hold's end while the provider answers. The
    // sweeper is stopped meanwhile (counted does that), so that the request alone settles the order
    // (the clock jump also ends the request's claim, and the sweeper would otherwise take it over).
    payments.duringCharge = () => clock.advance(61_000);
    try {
      const changes = await counted(async () => (late = await pay(holdId, alice.headers, 'late')));
      expect(changes).toEqual({
        'tmomi_payments_total{outcome="succeeded"}': 1,
        'tmomi_payments_total{outcome="refunded"}': 1,
        'tmomi_orders_total{status="refunded"}': 1,
        'tmomi_refunds_total{by="system"}': 1,
        'tmomi_refunded_total{currency="KRW"}': 50_000,
      });
    } finally {
      payments.duringCharge = undefined;
      // The clock jump expired the holds earlier tests left; swept now, they are not counted in the
      // next test's requests.
      await t.sweeper.sweep();
    }
    expect(errorOf(late)).toMatchObject({
      status: 410,
      code: 'HOLD_EXPIRED',
      message: 'Your hold expired before the payment completed; the payment was refunded in full.',
      details: { refunded: true },
    });
  });

  it('when orders are listed, read and cancelled, then each order has its own tickets and only its owner or an admin reaches it', async () => {
    const { performanceId } = await onSalePerformance(t, noQueue);
    const alice = await buyer(t);
    const bob = await buyer(t);
    const buy = async (seats: number[], key: string) => {
      const holdId = holdIdOf(await hold(performanceId, alice.headers, { seatNos: seats }));
      return (await pay(holdId, alice.headers, key)).json<{ id: string }>().id;
    };
    const one = await buy([40, 41], 'o1');
    const two = await buy([42], 'o2');
    const listed = (await inject('GET', '/api/orders', alice.headers)).json<
      { id: string; tickets: { seatNo: number }[] }[]
    >();
    const seatsOf = (id: string) =>
      listed
        .find((o) => o.id === id)!
        .tickets.map((tk) => tk.seatNo)
        .sort();
    expect(seatsOf(one)).toEqual([40, 41]);
    expect(seatsOf(two)).toEqual([42]);
    // Newest first, a page at a time: the page after the newest is the one before it.
    const page = async (query: string) =>
      (await inject('GET', `/api/orders?${query}`, alice.headers)).json<{ id: string }[]>().map((o) => o.id);
    expect(await page('limit=1')).toEqual([two]);
    expect(await page(`limit=1&before=${two}`)).toEqual([one]);
    expect(await page(`before=${one}`)).toEqual([]);

    expect(errorOf(await inject('GET', `/api/orders/${one}`, bob.headers))).toMatchObject({
      status: 404,
      code: 'ORDER_NOT_FOUND',
      details: { orderId: one },
    });
    expect(errorOf(await inject('POST', `/api/orders/${one}/cancel`, bob.headers))).toMatchObject({
      status: 404,
      code: 'ORDER_NOT_FOUND',
      details: { orderId: one },
    });
    // The buyer's cancel is the buyer's own: an admin refunds through the box office's path, with a
    // reason; the refund is counted once, and a second cancel is refused.
    expect(errorOf(await inject('POST', `/api/orders/${one}/cancel`, admin))).toMatchObject({
      status: 404,
      code: 'ORDER_NOT_FOUND',
    });
    expect(
      await counted(() =>
        inject('POST', `/api/admin/orders/${one}/refund`, admin, { reason: 'duplicate purchase' }),
      ),
    ).toEqual({
      'tmomi_payments_total{outcome="refunded"}': 1,
      'tmomi_orders_total{status="refunded"}': 1,
      'tmomi_refunds_total{by="admin"}': 1,
      'tmomi_refunded_total{currency="KRW"}': 100_000,
    });
    const { rows } = await t.db.query<{ status: string; provider_ref: string }>(
      'SELECT status, provider_ref FROM payments WHERE order_id = $1',
      [one],
    );
    expect(rows).toEqual([{ status: 'refunded', provider_ref: expect.stringMatching(/^sim_/) }]);
    const refunds = payments.refundCalls;
    expect(errorOf(await inject('POST', `/api/orders/${one}/cancel`, alice.headers))).toMatchObject({
      status: 409,
      code: 'ORDER_NOT_CANCELLABLE',
      details: { status: 'refunded' },
    });
    expect(payments.refundCalls).toBe(refunds);
  });

  it('when tickets are read and scanned at the door, then each scan is counted by outcome and a second scan says when the first was', async () => {
    const { performanceId } = await onSalePerformance(t, noQueue);
    const alice = await buyer(t);
    const holdId = holdIdOf(await hold(performanceId, alice.headers, { seatNos: [50] }));
    const order = (await pay(holdId, alice.headers, 'door')).json<{
      tickets: { id: string; code: string }[];
    }>();
    const ticket = order.tickets[0]!;
    expect(errorOf(await inject('GET', `/api/tickets/${ticket.id}`, (await buyer(t)).headers))).toMatchObject(
      {
        status: 404,
        code: 'TICKET_NOT_FOUND',
        details: { ticketId: ticket.id },
      },
    );
    const scan = (code: string) => inject('POST', '/api/admin/checkin', admin, { code, performanceId });

    const forged = `T${'A'.repeat(20)}.${'A'.repeat(16)}`;
    const signedUnknown = new TicketCodes(TEST_SECRET).issue();
    // What the door asks PostgreSQL of tickets: a forged code nothing (a flood of them costs the
    // database nothing), a genuine one that was never issued one look.
    const query = t.db.query.bind(t.db) as (...args: unknown[]) => unknown;
    const ticketQueries: string[] = [];
    (t.db as unknown as { query: unknown }).query = (...args: unknown[]) => {
      if (typeof args[0] === 'string' && args[0].includes('issued_tickets')) ticketQueries.push(args[0]);
      return query(...args);
    };
    try {
      for (const [code, looks] of [
        [forged, 0],
        [signedUnknown, 1],
      ] as const) {
        ticketQueries.length = 0;
        let res!: Awaited<ReturnType<typeof scan>>;
        expect(await counted(async () => (res = await scan(code)))).toEqual({
          'tmomi_checkins_total{outcome="unknown"}': 1,
        });
        expect(errorOf(res)).toMatchObject({ status: 404, code: 'TICKET_NOT_FOUND' });
        expect(ticketQueries.length > 0 ? 1 : 0).toBe(looks);
      }
    } finally {
      (t.db as unknown as { query: unknown }).query = query;
    }

    let first!: Awaited<ReturnType<typeof scan>>;
    expect(await counted(async () => (first = await scan(ticket.code)))).toEqual({
      'tmomi_checkins_total{outcome="admitted"}': 1,
    });
    const checkedInAt = first.json<{ checkedInAt: string }>().checkedInAt;
    expect(new Date(checkedInAt).getTime()).toBe(clock.now());
    let second!: Awaited<ReturnType<typeof scan>>;
    expect(await counted(async () => (second = await scan(ticket.code)))).toEqual({
      'tmomi_checkins_total{outcome="used"}': 1,
    });
    expect(errorOf(second)).toMatchObject({
      status: 409,
      code: 'ALREADY_CHECKED_IN',
      details: { checkedInAt },
    });
  });
});
