import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  adminHeaders,
  buyer,
  modes,
  onSalePerformance,
  startTestApp,
  TEST_SECRET,
  TestClock,
  type TestApp,
} from '../../test/harness.js';
import { randomUUID } from 'node:crypto';
import { bulkBuyers } from '../loadtest/buyers.js';
import { bookingViolations } from '../loadtest/invariants.js';
import { GATE_PROVISIONAL_MS } from '../engine/hold-gate/port.js';
import { HookedPayments } from '../../test/payments.js';
import { TEST_CARDS } from './payments.js';
import { HoldRepository } from './holds/repository.js';
import { OrderRepository } from './orders/repository.js';

type Headers = Record<string, string>;
const noQueue = { queue: { enabled: false } };

// Also on a Redis Cluster, and through PgBouncer in transaction mode: booking must keep no session state
// (decision 036).
describe.each(modes({ cluster: true, pgbouncer: true }))('booking over HTTP ($name)', (mode) => {
  let t: TestApp;
  const clock = new TestClock();
  // The simulator is ours so that charges can be counted; hooks let a test act in the middle of a
  // charge or a refund.
  const payments = new HookedPayments({ latencyMs: 5, timeoutMs: 300 });

  beforeAll(async () => {
    t = await startTestApp(mode, { clock, payments, settings: { paymentTimeoutMs: 300 } });
  });
  afterAll(() => t.close());

  const hold = (perf: string, headers: Headers, body: object) =>
    t.app.inject({ method: 'POST', url: `/api/performances/${perf}/holds`, headers, payload: body });
  const pay = (
    holdId: string,
    headers: Headers,
    key: string | undefined,
    card: string = TEST_CARDS.succeeds,
  ) =>
    t.app.inject({
      method: 'POST',
      url: `/api/holds/${holdId}/checkout`,
      headers: key === undefined ? headers : { ...headers, 'idempotency-key': key },
      payload: { payment: { card } },
    });
  const get = (url: string, headers: Headers) => t.app.inject({ method: 'GET', url, headers });
  const ticketStates = async (perf: string) => {
    const { rows } = await t.db.query<{
      seat_no: number;
      status: number;
      hold_id: string | null;
      order_id: string | null;
    }>(
      'SELECT seat_no, status, hold_id, order_id FROM tickets WHERE performance_id = $1 AND status <> 0 ORDER BY seat_no',
      [perf],
    );
    return rows;
  };
  const isAvailable = async (perf: string, seat: number) => {
    const body = (await get(`/api/performances/${perf}/availability`, {})).json<{ available: string }>();
    const bits = Buffer.from(body.available, 'base64');
    return ((bits[seat >> 3]! >> (seat & 7)) & 1) === 1;
  };
  /**
   * The seat map as the engine keeps it, never rebuilt from PostgreSQL: what the flips made of it. A
   * read through the API would rebuild a missing map from the tickets and so hide a flip that never came.
   */
  const shownFree = async (perf: string, seats: number[]) => {
    const { bits } = await t.engine.availabilityRead(perf, clock.now());
    if (!bits) throw new Error(`the seat map of ${perf} is not in the engine`);
    return seats.map((seat) => ((bits[seat >> 3]! >> (seat & 7)) & 1) === 1);
  };
  /** Another node, whose engine knows nothing of any performance yet: its hold gate is cold. */
  const withColdNode = async <T>(use: (other: TestApp) => Promise<T>): Promise<T> => {
    const other = await startTestApp(mode, { clock, payments });
    try {
      return await use(other);
    } finally {
      await other.close();
    }
  };
  const holdOn = (node: TestApp, perf: string, headers: Headers, body: object) =>
    node.app.inject({ method: 'POST', url: `/api/performances/${perf}/holds`, headers, payload: body });

  it('when a buyer holds seats, then they are held in PostgreSQL and on the map, and nobody else can take them', async () => {
    const { performanceId } = await onSalePerformance(t, noQueue);
    const alice = await buyer(t);
    const bob = await buyer(t);
    const res = await hold(performanceId, alice.headers, { seatNos: [12, 11] });
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body).toMatchObject({ seatNos: [11, 12], amount: 100_000, currency: 'KRW', state: 'active' });
    expect(new Date(body.expiresAt).getTime()).toBe(clock.now() + 300_000);
    expect((await ticketStates(performanceId)).map((r) => [r.seat_no, r.status, r.hold_id])).toEqual([
      [11, 1, body.holdId],
      [12, 1, body.holdId],
    ]);
    expect(await isAvailable(performanceId, 11)).toBe(false);
    expect(await isAvailable(performanceId, 13)).toBe(true);

    const taken = await hold(performanceId, bob.headers, { seatNos: [12, 13] });
    expect(taken.statusCode).toBe(409);
    expect(taken.json().error).toMatchObject({ code: 'SEAT_UNAVAILABLE', details: { seatNos: [12] } });
    // All or nothing: seat 13 was not taken by the refused request.
    expect((await hold(performanceId, bob.headers, { seatNos: [13] })).statusCode).toBe(201);
    // The holder reads it; anyone else gets "not found".
    expect((await get(`/api/holds/${body.holdId}`, alice.headers)).json().seatNos).toEqual([11, 12]);
    expect((await get(`/api/holds/${body.holdId}`, bob.headers)).json().error.code).toBe('HOLD_NOT_FOUND');
    // Nor can anyone else release it: "not found" again, and the seats stay Alice's.
    const released = await t.app.inject({
      method: 'DELETE',
      url: `/api/holds/${body.holdId}`,
      headers: bob.headers,
    });
    expect([released.statusCode, released.json().error.code]).toEqual([404, 'HOLD_NOT_FOUND']);
    expect((await get(`/api/holds/${body.holdId}`, alice.headers)).json().state).toBe('active');
  });

  it('when a buyer asks for the best seats of a grade, then they get adjacent seats in one row', async () => {
    const { performanceId } = await onSalePerformance(t, noQueue);
    const alice = await buyer(t);
    const bob = await buyer(t);
    // Take the middle of the front row so that the pick has to work around it.
    await hold(performanceId, bob.headers, { seatNos: [4, 5] });
    const res = await hold(performanceId, alice.headers, { grade: 'R', quantity: 3 });
    expect(res.statusCode).toBe(201);
    const seats: number[] = res.json().seatNos;
    expect(seats).toHaveLength(3);
    expect(seats[2]! - seats[0]!).toBe(2);
    expect(Math.floor(seats[0]! / 10)).toBe(Math.floor(seats[2]! / 10)); // one row of ten
    expect(seats.some((s) => s === 4 || s === 5)).toBe(false);
    const unknown = await hold(performanceId, alice.headers, { grade: 'VIP', quantity: 1 });
    expect(unknown.json().error.code).toBe('UNKNOWN_GRADE_REQUESTED');
  });

  it('when a crowd asks for the best seats at the same moment, then each gets seats while plenty are left', async () => {
    // 20 rows of 50: 1,000 seats for 300 buyers of two, all of whose first picks fall on the same few runs.
    const { performanceId } = await onSalePerformance(t, noQueue, { rows: 20, seatsPerRow: 50 });
    const crowd = await bulkBuyers(t.db, 300, TEST_SECRET);
    const replies = await Promise.all(
      crowd.map((b) => hold(performanceId, b.headers, { grade: 'R', quantity: 2 })),
    );
    const refused = replies.filter((r) => r.statusCode !== 201).map((r) => r.json().error.code);
    expect(refused).toEqual([]);
    const seats = replies.flatMap((r) => r.json().seatNos as number[]);
    expect(new Set(seats).size).toBe(600);
  });

  it('when a hold request with an Idempotency-Key is retried, then the retry gets the first hold, not a second', async () => {
    const { performanceId } = await onSalePerformance(t, noQueue);
    const alice = await buyer(t);
    const bob = await buyer(t);
    const keyed = (who: { headers: Headers }, key: string) => ({ ...who.headers, 'idempotency-key': key });
    const activeHolds = async (userId: string) =>
      (
        await t.db.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM holds WHERE user_id = $1 AND performance_id = $2 AND state = 'active'",
          [userId, performanceId],
        )
      ).rows[0]!.n;

    // Explicit seats: the retry meets its own seats taken, and is answered with the hold that has them.
    const first = await hold(performanceId, keyed(alice, 'k-seats'), { seatNos: [3, 4] });
    expect(first.statusCode).toBe(201);
    const retry = await hold(performanceId, keyed(alice, 'k-seats'), { seatNos: [4, 3] });
    expect([retry.statusCode, retry.json()]).toEqual([201, first.json()]);
    // Best available: the retry would find other seats free; it too gets the first hold back.
    const best = await hold(performanceId, keyed(alice, 'k-best'), { grade: 'R', quantity: 2 });
    expect(best.statusCode).toBe(201);
    const bestRetries = await Promise.all(
      Array.from({ length: 5 }, () =>
        hold(performanceId, keyed(alice, 'k-best'), { grade: 'R', quantity: 2 }),
      ),
    );
    expect(bestRetries.map((r) => [r.statusCode, r.json().holdId])).toEqual(
      Array(5).fill([201, best.json().holdId]),
    );
    expect(await activeHolds(alice.id)).toBe(2);

    // Fired at once, the requests of one key still make one hold between them.
    const together = await Promise.all(
      Array.from({ length: 10 }, () =>
        hold(performanceId, keyed(bob, 'k-together'), { grade: 'R', quantity: 1 }),
      ),
    );
    expect(together.map((r) => r.statusCode)).toEqual(Array(10).fill(201));
    expect(new Set(together.map((r) => r.json().holdId)).size).toBe(1);
    expect(await activeHolds(bob.id)).toBe(1);

    // A key names one request: used again for other seats it is refused, and nothing more is held.
    const other = await hold(performanceId, keyed(alice, 'k-seats'), { seatNos: [7] });
    expect([other.statusCode, other.json().error.code]).toEqual([422, 'IDEMPOTENCY_KEY_REUSED']);
    expect(other.json().error.details.holdId).toBe(first.json().holdId);
    // Keys are each buyer's own: under Alice's key, Bob finds nothing of hers, and is refused.
    const bobs = await hold(performanceId, keyed(bob, 'k-seats'), { seatNos: [3] });
    expect(bobs.json().error.code).toBe('SEAT_UNAVAILABLE');
    // The retry of a released hold is told what became of it, and holds nothing again.
    expect(
      (
        await t.app.inject({
          method: 'DELETE',
          url: `/api/holds/${first.json().holdId}`,
          headers: alice.headers,
        })
      ).statusCode,
    ).toBe(204);
    const afterRelease = await hold(performanceId, keyed(alice, 'k-seats'), { seatNos: [3, 4] });
    expect(afterRelease.statusCode).toBe(201);
    expect(afterRelease.json()).toMatchObject({ holdId: first.json().holdId, state: 'released' });
    expect(await activeHolds(alice.id)).toBe(1);
    expect((await hold(performanceId, keyed(alice, ' '), { seatNos: [9] })).json().error.code).toBe(
      'VALIDATION_FAILED',
    );

    // The first try took the last seats: the retry, finding none free, still gets them.
    const small = await onSalePerformance(t, noQueue, { rows: 1, seatsPerRow: 2 });
    const last = await hold(small.performanceId, keyed(alice, 'k-last'), { grade: 'R', quantity: 2 });
    expect(last.statusCode).toBe(201);
    const lastRetry = await hold(small.performanceId, keyed(alice, 'k-last'), { grade: 'R', quantity: 2 });
    expect([lastRetry.statusCode, lastRetry.json().holdId]).toEqual([201, last.json().holdId]);
  });

  it('when a hold request is malformed or out of bounds, then it is refused with its code and nothing is held', async () => {
    const { performanceId } = await onSalePerformance(t, noQueue);
    const alice = await buyer(t);
    const cases: [object, number, string][] = [
      [{ seatNos: [] }, 400, 'VALIDATION_FAILED'],
      [{ seatNos: [1, 1] }, 400, 'VALIDATION_FAILED'],
      [{ seatNos: [-1] }, 400, 'VALIDATION_FAILED'],
      [{ seatNos: ['1'] }, 400, 'VALIDATION_FAILED'],
      [{ seatNos: [100] }, 422, 'INVALID_SEAT'],
      [{ seatNos: [1], grade: 'R' }, 400, 'VALIDATION_FAILED'],
      [{ grade: 'R', quantity: 0 }, 400, 'VALIDATION_FAILED'],
      [{ grade: 'R', quantity: 5 }, 422, 'TICKET_LIMIT'],
      [{ seatNos: [1, 2, 3, 4, 5] }, 422, 'TICKET_LIMIT'],
    ];
    for (const [body, status, code] of cases) {
      const res = await hold(performanceId, alice.headers, body);
      expect([JSON.stringify(body), res.statusCode, res.json().error.code]).toEqual([
        JSON.stringify(body),
        status,
        code,
      ]);
    }
    // Over the cap, the request is refused before the gate is asked: the details say what was asked
    // for (the gate's own refusal would say what the buyer already holds).
    for (const body of [{ grade: 'R', quantity: 5 }, { seatNos: [1, 2, 3, 4, 5] }]) {
      expect((await hold(performanceId, alice.headers, body)).json().error.details).toEqual({
        max: 4,
        requested: 5,
      });
    }
    expect((await hold(performanceId, {}, { seatNos: [1] })).statusCode).toBe(401);
    expect((await hold('999999999', alice.headers, { seatNos: [1] })).json().error.code).toBe(
      'PERFORMANCE_NOT_FOUND',
    );
    expect((await get('/api/holds/not-a-uuid', alice.headers)).statusCode).toBe(400);
    expect(await ticketStates(performanceId)).toEqual([]);

    const later = await onSalePerformance(t, {
      ...noQueue,
      salesOpenAt: new Date(Date.now() + 3600_000).toISOString(),
    });
    expect((await hold(later.performanceId, alice.headers, { seatNos: [1] })).json().error.code).toBe(
      'SALE_NOT_OPEN',
    );
  });

  it('when a performance has a queue, then a hold needs the buyer’s own valid pass', async () => {
    const { performanceId } = await onSalePerformance(t, { queue: { admitPerSecond: 100 } });
    const alice = await buyer(t);
    const bob = await buyer(t);
    expect((await hold(performanceId, alice.headers, { seatNos: [1] })).json().error.code).toBe(
      'QUEUE_PASS_REQUIRED',
    );
    await t.app.inject({
      method: 'POST',
      url: `/api/performances/${performanceId}/queue`,
      headers: alice.headers,
    });
    clock.advance(2_000); // the ticker rereads its list of open queues every two seconds of its clock
    await t.ticker.tick();
    const view = (await get(`/api/performances/${performanceId}/queue/me`, alice.headers)).json();
    expect(view.state).toBe('admitted');
    const withPass = (h: Headers) => ({ ...h, 'x-queue-pass': view.pass });
    expect((await hold(performanceId, withPass(bob.headers), { seatNos: [1] })).json().error.code).toBe(
      'QUEUE_PASS_INVALID',
    );
    const res = await hold(performanceId, withPass(alice.headers), { seatNos: [1] });
    expect(res.statusCode).toBe(201);
    // Checkout uses the pass up.
    expect((await pay(res.json().holdId, alice.headers, 'k1')).statusCode).toBe(201);
    expect((await hold(performanceId, withPass(alice.headers), { seatNos: [2] })).json().error.code).toBe(
      'QUEUE_PASS_USED',
    );
  });

  it('when a buyer pays, then the seats are sold with signed codes and QR images, in one order per key', async () => {
    const { performanceId } = await onSalePerformance(t, noQueue);
    const alice = await buyer(t);
    const bob = await buyer(t);
    const h = (await hold(performanceId, alice.headers, { seatNos: [20, 21] })).json();
    expect((await pay(h.holdId, alice.headers, undefined)).json().error.code).toBe(
      'IDEMPOTENCY_KEY_REQUIRED',
    );
    expect((await pay(h.holdId, alice.headers, 'bad key')).statusCode).toBe(400);
    expect((await pay(h.holdId, bob.headers, 'k')).json().error.code).toBe('HOLD_NOT_FOUND');

    const charges = payments.chargeCount;
    const calls = payments.chargeCalls;
    const res = await pay(h.holdId, alice.headers, 'order-1');
    expect(res.statusCode).toBe(201);
    const order = res.json();
    expect(order).toMatchObject({ status: 'paid', amount: 100_000, seatNos: [20, 21] });
    expect(order.tickets.map((x: { seatNo: number }) => x.seatNo)).toEqual([20, 21]);
    expect(order.tickets[0].code).toMatch(/^T[\w-]{20}\.[\w-]{16}$/);
    expect(payments.chargeCount).toBe(charges + 1);
    expect((await ticketStates(performanceId)).map((r) => [r.status, r.order_id])).toEqual([
      [2, order.id],
      [2, order.id],
    ]);
    // A retry returns the same order; a second key for the paid hold is refused.
    expect((await pay(h.holdId, alice.headers, 'order-1')).json().id).toBe(order.id);
    expect((await pay(h.holdId, alice.headers, 'order-2')).json().error.code).toBe('HOLD_ALREADY_PAID');
    expect(payments.chargeCount).toBe(charges + 1);
    expect(payments.chargeCalls).toBe(calls + 1);

    const qr = await get(order.tickets[0].qrUrl, alice.headers);
    expect(qr.headers['content-type']).toContain('image/svg+xml');
    expect(qr.body).toContain('<svg');
    expect((await get(order.tickets[0].qrUrl, bob.headers)).statusCode).toBe(404);
    expect((await get(`/api/orders/${order.id}`, bob.headers)).json().error.code).toBe('ORDER_NOT_FOUND');
    expect((await get('/api/orders', alice.headers)).json().map((o: { id: string }) => o.id)).toEqual([
      order.id,
    ]);
    expect((await get('/api/orders', bob.headers)).json()).toEqual([]);
    const outbox = await t.db.query(`SELECT topic FROM outbox WHERE payload->>'orderId' = $1`, [order.id]);
    expect(outbox.rows).toEqual([{ topic: 'order.paid' }]);
  });

  it('when one checkout is retried 20 times at once with one key, then there is one order and one charge', async () => {
    const { performanceId } = await onSalePerformance(t, noQueue);
    const alice = await buyer(t);
    const h = (await hold(performanceId, alice.headers, { seatNos: [30, 31, 32] })).json();
    const charges = payments.chargeCount;
    const results = await Promise.all(
      Array.from({ length: 20 }, () => pay(h.holdId, alice.headers, 'same-key')),
    );
    expect(results.map((r) => r.statusCode)).toEqual(Array(20).fill(201));
    expect(new Set(results.map((r) => r.json().id)).size).toBe(1);
    expect(payments.chargeCount).toBe(charges + 1);
    const orders = await t.db.query('SELECT count(*)::int AS n FROM orders WHERE hold_id = $1', [h.holdId]);
    expect(orders.rows[0].n).toBe(1);
  });

  it('when a card is declined or times out, then the buyer is told so and the hold stays for another card', async () => {
    const { performanceId } = await onSalePerformance(t, noQueue);
    const alice = await buyer(t);
    const h = (await hold(performanceId, alice.headers, { seatNos: [40] })).json();
    const declined = await pay(h.holdId, alice.headers, 'try-1', TEST_CARDS.declined);
    expect(declined.statusCode).toBe(402);
    expect(declined.json().error.code).toBe('PAYMENT_DECLINED');
    // The same key gives the same answer; the hold is still there.
    expect((await pay(h.holdId, alice.headers, 'try-1', TEST_CARDS.succeeds)).statusCode).toBe(402);
    expect((await ticketStates(performanceId)).map((r) => r.status)).toEqual([1]);
    const timedOut = await pay(h.holdId, alice.headers, 'try-2', TEST_CARDS.timesOut);
    expect(timedOut.statusCode).toBe(504);
    expect(timedOut.json().error.code).toBe('PAYMENT_TIMEOUT');
    expect((await pay(h.holdId, alice.headers, 'try-3')).statusCode).toBe(201);
    const statuses = await t.db.query(
      'SELECT o.status, p.status AS payment FROM orders o JOIN payments p ON p.order_id = o.id WHERE o.hold_id = $1 ORDER BY o.id',
      [h.holdId],
    );
    expect(statuses.rows).toEqual([
      { status: 'cancelled', payment: 'declined' },
      { status: 'cancelled', payment: 'failed' },
      { status: 'paid', payment: 'succeeded' },
    ]);
  });

  it('when a hold expires, then its seats are free at once for others, checkout refuses it, and the sweeper tidies up', async () => {
    const { performanceId } = await onSalePerformance(t, noQueue);
    const alice = await buyer(t);
    const bob = await buyer(t);
    const h = (await hold(performanceId, alice.headers, { seatNos: [50, 51] })).json();
    expect(await isAvailable(performanceId, 50)).toBe(false); // the map is in the engine from here on
    clock.advance(301_000);
    // Taken over in place before any sweeper ran.
    const bobs = await hold(performanceId, bob.headers, { seatNos: [51] });
    expect(bobs.statusCode).toBe(201);
    const calls = payments.chargeCalls;
    const expired = await pay(h.holdId, alice.headers, 'late');
    expect(expired.statusCode).toBe(410);
    // Not a refund's answer: the hold and when it ran out, as PostgreSQL has it.
    expect(expired.json().error).toEqual(
      expect.objectContaining({
        code: 'HOLD_EXPIRED',
        details: { holdId: h.holdId, expiresAt: h.expiresAt },
      }),
    );
    // Refused before any order is made: the card is never asked.
    expect(payments.chargeCalls).toBe(calls);
    const orders = await t.db.query('SELECT count(*)::int AS n FROM orders WHERE hold_id = $1', [h.holdId]);
    expect(orders.rows[0].n).toBe(0);
    await t.sweeper.sweep();
    expect((await ticketStates(performanceId)).map((r) => [r.seat_no, r.hold_id])).toEqual([
      [51, bobs.json().holdId],
    ]);
    // The sweeper's release flipped seat 50 back on the map; 51 stays taken by Bob's hold.
    expect(await shownFree(performanceId, [50, 51])).toEqual([true, false]);
    expect((await get(`/api/holds/${h.holdId}`, alice.headers)).json().state).toBe('expired');
  });

  it('when the payment succeeds after the hold expired, then it is refunded automatically and the buyer told so', async () => {
    const { performanceId } = await onSalePerformance(t, noQueue);
    const alice = await buyer(t);
    const h = (await hold(performanceId, alice.headers, { seatNos: [60] })).json();
    payments.duringCharge = () => clock.advance(301_000);
    const refunds = payments.refundCount;
    try {
      const res = await pay(h.holdId, alice.headers, 'slow');
      expect(res.statusCode).toBe(410);
      expect(res.json().error).toMatchObject({ code: 'HOLD_EXPIRED', details: { refunded: true } });
    } finally {
      payments.duringCharge = undefined;
    }
    // The money comes back once. The sweeper may refund it too: the jump of the clock also ran out this
    // request's claim on the order, so the sweeper can take the order over while the charge is in flight.
    expect(payments.refundCount).toBe(refunds + 1);
    const order = await t.db.query(
      `SELECT o.status, o.reason, p.status AS payment FROM orders o JOIN payments p ON p.order_id = o.id WHERE o.hold_id = $1`,
      [h.holdId],
    );
    expect(order.rows).toEqual([{ status: 'refunded', reason: 'hold-expired', payment: 'refunded' }]);
    // All of it, of that charge.
    const charge = await t.db.query<{ ref: string; amount: number }>(
      `SELECT p.provider_ref AS ref, o.amount FROM orders o JOIN payments p ON p.order_id = o.id WHERE o.hold_id = $1`,
      [h.holdId],
    );
    expect(payments.refundedOf(charge.rows[0]!.ref)).toBe(charge.rows[0]!.amount);
    expect((await ticketStates(performanceId)).every((r) => r.status !== 2)).toBe(true);
  });

  it('when a buyer is at the cap across holds and orders, then another hold is refused until one is released', async () => {
    const { performanceId } = await onSalePerformance(t, { ...noQueue, maxTicketsPerUser: 3 });
    const alice = await buyer(t);
    const paid = (await hold(performanceId, alice.headers, { seatNos: [70, 71] })).json();
    await pay(paid.holdId, alice.headers, 'cap');
    const held = (await hold(performanceId, alice.headers, { seatNos: [72] })).json();
    expect(await isAvailable(performanceId, 72)).toBe(false); // the map is in the engine from here on
    const over = await hold(performanceId, alice.headers, { seatNos: [73] });
    expect(over.statusCode).toBe(422);
    expect(over.json().error.code).toBe('TICKET_LIMIT');
    expect(
      (await t.app.inject({ method: 'DELETE', url: `/api/holds/${held.holdId}`, headers: alice.headers }))
        .statusCode,
    ).toBe(204);
    expect(await shownFree(performanceId, [72])).toEqual([true]);
    expect((await hold(performanceId, alice.headers, { seatNos: [73] })).statusCode).toBe(201);
    // Releasing twice is harmless; checking out a released hold is refused.
    expect(
      (await t.app.inject({ method: 'DELETE', url: `/api/holds/${held.holdId}`, headers: alice.headers }))
        .statusCode,
    ).toBe(204);
    expect((await pay(held.holdId, alice.headers, 'gone')).json().error.code).toBe('HOLD_RELEASED');
  });

  it('when a buyer asks for exactly the cap, then it is held; one more in any later hold is refused by the cap', async () => {
    const { performanceId } = await onSalePerformance(t, { ...noQueue, maxTicketsPerUser: 3 });
    const alice = await buyer(t);
    const res = await hold(performanceId, alice.headers, { grade: 'R', quantity: 3 });
    expect([res.statusCode, res.json().seatNos.length]).toEqual([201, 3]);
    const more = await hold(performanceId, alice.headers, { seatNos: [99] });
    expect([more.statusCode, more.json().error]).toEqual([
      422,
      expect.objectContaining({ code: 'TICKET_LIMIT', details: { max: 3, held: 3 } }),
    ]);
    expect(await bookingViolations(t.db, performanceId, new Date(clock.now()))).toEqual([]);
  });

  it('when a seat is sold, then the gate keeps it sold after its hold would have run out', async () => {
    const { performanceId } = await onSalePerformance(t, { ...noQueue, holdTtlSeconds: 60 });
    const alice = await buyer(t);
    const h = (await hold(performanceId, alice.headers, { seatNos: [95] })).json();
    expect((await pay(h.holdId, alice.headers, 'sold-95')).json().status).toBe('paid');
    // Past the hold's end: only the sale's mark can keep the seat from another buyer at the gate,
    // before PostgreSQL is asked.
    clock.advance(120_000);
    const probe = { holdId: randomUUID(), userId: 'probe', seatNos: [95], expiresAt: clock.now() + 60_000 };
    expect(await t.engine.gateAcquire(performanceId, probe, 4, clock.now())).toEqual({
      outcome: 'taken',
      seatNos: [95],
    });
  });

  it('when a seat is sold and a node’s gate is cold, then PostgreSQL alone refuses it and the paid order keeps it', async () => {
    const { performanceId } = await onSalePerformance(t, noQueue);
    const alice = await buyer(t);
    const bob = await buyer(t);
    const h = (await hold(performanceId, alice.headers, { seatNos: [90] })).json();
    const order = (await pay(h.holdId, alice.headers, 'sold-90')).json();
    expect(order.status).toBe('paid');
    // The first request a node serves for a performance after it starts (or after a Redis wipe, or
    // while the gate is rebuilt) finds the gate unloaded: PostgreSQL is the only arbiter then.
    const [res, map, gate] = await withColdNode(
      async (other) =>
        [
          await holdOn(other, performanceId, bob.headers, { seatNos: [90, 91] }),
          // Its seat map, too, is rebuilt from PostgreSQL: the sold seat is shown taken.
          await other.app.inject({ method: 'GET', url: `/api/performances/${performanceId}/availability` }),
          // And so is its gate, by the request that found it cold: it refuses the sold seat itself.
          await vi.waitUntil(async () => {
            const probe = {
              holdId: randomUUID(),
              userId: bob.id,
              seatNos: [90],
              expiresAt: clock.now() + 60_000,
            };
            const answer = await other.engine.gateAcquire(performanceId, probe, 4, clock.now());
            return answer.outcome !== 'unloaded' && answer;
          }),
        ] as const,
    );
    expect(gate).toEqual({ outcome: 'taken', seatNos: [90] });
    const bits = Buffer.from(map.json<{ available: string }>().available, 'base64');
    expect([89, 90, 91].map((seat) => (bits[seat >> 3]! >> (seat & 7)) & 1)).toEqual([1, 0, 1]);
    expect([res.statusCode, res.json().error]).toEqual([
      409,
      expect.objectContaining({ code: 'SEAT_UNAVAILABLE', details: { seatNos: [90] } }),
    ]);
    expect((await ticketStates(performanceId)).map((r) => [r.seat_no, r.status, r.order_id])).toEqual([
      [90, 2, order.id],
    ]);
    // However the hold reaches PostgreSQL, alone or in one batch with others, the sold seat stays sold.
    const repository = new HoldRepository({ db: t.db });
    const carol = await buyer(t);
    const at = new Date(clock.now());
    const newHold = (userId: string, seatNos: number[]) => ({
      id: randomUUID(),
      userId,
      performanceId,
      seatNos,
      seatPrices: seatNos.map(() => 50_000),
      amount: 50_000 * seatNos.length,
      currency: 'KRW',
      expiresAt: new Date(clock.now() + 300_000),
      now: at,
      cap: 4,
      passId: null,
      requestKey: null,
    });
    const outcomes = await Promise.all([
      repository.placeHold(newHold(bob.id, [89, 90])),
      repository.placeHold(newHold(carol.id, [92])),
    ]);
    expect(outcomes).toEqual([{ outcome: 'taken', seatNos: [90] }, { outcome: 'held' }]);
    expect(await bookingViolations(t.db, performanceId, at)).toEqual([]);
  });

  it('when a buyer reaches the cap through a paid order and a hold, then a node with a cold gate still refuses more', async () => {
    const { performanceId } = await onSalePerformance(t, { ...noQueue, maxTicketsPerUser: 3 });
    const alice = await buyer(t);
    const paid = (await hold(performanceId, alice.headers, { seatNos: [10, 11] })).json();
    expect((await pay(paid.holdId, alice.headers, 'cap-cold')).json().status).toBe('paid');
    // Two paid: a third seat is within the cap, a fourth is not — PostgreSQL counts the paid order.
    const overPaid = await withColdNode((other) =>
      holdOn(other, performanceId, alice.headers, { seatNos: [12, 13] }),
    );
    expect([overPaid.statusCode, overPaid.json().error]).toEqual([
      422,
      expect.objectContaining({ code: 'TICKET_LIMIT', details: { max: 3, held: 2 } }),
    ]);
    // Two paid and one held: nothing more, and PostgreSQL counts the live hold too.
    expect((await hold(performanceId, alice.headers, { seatNos: [14] })).statusCode).toBe(201);
    const overHeld = await withColdNode((other) =>
      holdOn(other, performanceId, alice.headers, { seatNos: [15] }),
    );
    expect([overHeld.statusCode, overHeld.json().error]).toEqual([
      422,
      expect.objectContaining({ code: 'TICKET_LIMIT', details: { max: 3, held: 3 } }),
    ]);
    expect((await ticketStates(performanceId)).map((r) => r.seat_no)).toEqual([10, 11, 14]);
    expect(await bookingViolations(t.db, performanceId, new Date(clock.now()))).toEqual([]);
  });

  it('when an Idempotency-Key that paid one hold is sent with another hold, then 422 and the second hold is neither paid nor charged', async () => {
    const { performanceId } = await onSalePerformance(t, noQueue);
    const alice = await buyer(t);
    const first = (await hold(performanceId, alice.headers, { seatNos: [33] })).json();
    const order = (await pay(first.holdId, alice.headers, 'one-key')).json();
    expect(order.status).toBe('paid');
    const second = (await hold(performanceId, alice.headers, { seatNos: [34] })).json();
    const charges = payments.chargeCount;
    const calls = payments.chargeCalls;
    const reused = await pay(second.holdId, alice.headers, 'one-key');
    expect([reused.statusCode, reused.json().error]).toEqual([
      422,
      expect.objectContaining({ code: 'IDEMPOTENCY_KEY_REUSED', details: { orderId: order.id } }),
    ]);
    expect(payments.chargeCount).toBe(charges);
    expect(payments.chargeCalls).toBe(calls);
    expect((await get(`/api/holds/${second.holdId}`, alice.headers)).json().state).toBe('active');
    const orders = await t.db.query('SELECT count(*)::int AS n FROM orders WHERE hold_id = $1', [
      second.holdId,
    ]);
    expect(orders.rows[0].n).toBe(0);
    expect((await ticketStates(performanceId)).map((r) => [r.seat_no, r.status])).toEqual([
      [33, 2],
      [34, 1],
    ]);
  });

  it('when a buyer cancels one order from many tabs at once, then it is refunded once and its seats come back once', async () => {
    const { performanceId } = await onSalePerformance(t, noQueue);
    const alice = await buyer(t);
    const h = (await hold(performanceId, alice.headers, { seatNos: [44, 45] })).json();
    const order = (await pay(h.holdId, alice.headers, 'cancel-race')).json();
    const cancel = () =>
      t.app.inject({ method: 'POST', url: `/api/orders/${order.id}/cancel`, headers: alice.headers });
    // PostgreSQL decides each cancel under the order's lock: one refunds, the others find it refunded.
    const refunds = payments.refundCount;
    const results = await Promise.all(Array.from({ length: 5 }, cancel));
    expect(payments.refundCount).toBe(refunds + 1);
    const recorded = await t.db.query('SELECT count(*)::int AS n FROM refunds WHERE order_id = $1', [
      order.id,
    ]);
    expect(recorded.rows).toEqual([{ n: 1 }]);
    expect(results.map((r) => r.statusCode).sort()).toEqual([200, 409, 409, 409, 409]);
    expect(results.filter((r) => r.statusCode === 409).map((r) => r.json().error.code)).toEqual(
      Array(4).fill('ORDER_NOT_CANCELLABLE'),
    );
    const events = await t.db.query(`SELECT topic FROM outbox WHERE payload->>'orderId' = $1 ORDER BY id`, [
      order.id,
    ]);
    expect(events.rows.map((r) => r.topic)).toEqual(['order.paid', 'order.refunded']);
    expect(await ticketStates(performanceId)).toEqual([]);
    expect(await bookingViolations(t.db, performanceId, new Date(clock.now()))).toEqual([]);
  });

  it('when a refunded ticket’s seat is sold to another order, then the refund leaves that seat sold', async () => {
    // A state no path reaches while the other guards hold: the refund's own guard is what keeps
    // another buyer's ticket sold if one of them ever broke.
    const { performanceId } = await onSalePerformance(t, noQueue);
    const alice = await buyer(t);
    const bob = await buyer(t);
    const mine = (
      await pay(
        (await hold(performanceId, alice.headers, { seatNos: [46] })).json().holdId,
        alice.headers,
        'own',
      )
    ).json();
    const theirs = (
      await pay(
        (await hold(performanceId, bob.headers, { seatNos: [47] })).json().holdId,
        bob.headers,
        'other',
      )
    ).json();
    await t.db.query(`UPDATE tickets SET order_id = $2 WHERE performance_id = $1 AND seat_no = 46`, [
      performanceId,
      theirs.id,
    ]);
    const decision = await new OrderRepository(t.db).refund({
      orderId: mine.id,
      by: 'buyer',
      reason: 'test',
      now: new Date(clock.now()),
      checkDeadline: true,
    });
    expect(decision).toMatchObject({ outcome: 'refunded', freed: [] });
    expect((await ticketStates(performanceId)).map((r) => [r.seat_no, r.status, r.order_id])).toEqual([
      [46, 2, theirs.id],
      [47, 2, theirs.id],
    ]);
  });

  it('when a ticket of an order is used, then the order cannot be cancelled whole, and its other ticket is refunded alone', async () => {
    const { performanceId } = await onSalePerformance(t, noQueue);
    const alice = await buyer(t);
    const bob = await buyer(t);
    const admin = await adminHeaders(t);
    const h = (await hold(performanceId, alice.headers, { seatNos: [80, 81] })).json();
    const order = (await pay(h.holdId, alice.headers, 'to-cancel')).json();
    const [first, second] = order.tickets;
    expect(await isAvailable(performanceId, 80)).toBe(false); // the map is in the engine from here on

    const checkin = (code: string) =>
      t.app.inject({
        method: 'POST',
        url: '/api/admin/checkin',
        headers: admin,
        payload: { code, performanceId },
      });
    expect((await checkin(first.code)).statusCode).toBe(200);
    const again = await checkin(first.code);
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('ALREADY_CHECKED_IN');
    const forged = `${first.code.slice(0, -2)}xx`;
    expect((await checkin(forged)).json().error.code).toBe('TICKET_NOT_FOUND');
    expect((await checkin('nonsense')).statusCode).toBe(404);
    expect(
      (
        await t.app.inject({
          method: 'POST',
          url: '/api/admin/checkin',
          headers: alice.headers,
          payload: { code: second.code, performanceId },
        })
      ).statusCode,
    ).toBe(403);

    const cancel = (headers: Headers, payload?: object) =>
      t.app.inject({ method: 'POST', url: `/api/orders/${order.id}/cancel`, headers, payload });
    expect((await cancel(bob.headers)).json().error.code).toBe('ORDER_NOT_FOUND');
    // The used ticket cannot be refunded, so neither can the whole order; the other ticket can.
    const whole = await cancel(alice.headers);
    expect(whole.statusCode).toBe(409);
    expect(whole.json().error).toMatchObject({ code: 'TICKET_USED', details: { ticketIds: [first.id] } });
    const cancelled = await cancel(alice.headers, { ticketIds: [second.id] });
    expect(cancelled.statusCode).toBe(200);
    expect(cancelled.json()).toMatchObject({ status: 'paid', seatNos: [80], refundedAmount: second.price });
    expect(cancelled.json().tickets.map((x: { status: string }) => x.status)).toEqual(['used', 'void']);
    expect(cancelled.json().refunds).toMatchObject([
      { amount: second.price, ticketIds: [second.id], by: 'buyer', reason: 'cancelled-by-buyer' },
    ]);
    expect((await cancel(alice.headers, { ticketIds: [second.id] })).json().error).toMatchObject({
      code: 'TICKET_VOID',
      details: { ticketIds: [second.id] },
    });
    expect((await checkin(second.code)).json().error.code).toBe('TICKET_VOID');
    expect((await ticketStates(performanceId)).map((r) => [r.seat_no, r.status])).toEqual([[80, 2]]);
    // The cancel flipped the seat back on the map the buyers read.
    expect(await shownFree(performanceId, [80, 81])).toEqual([false, true]);
    expect((await hold(performanceId, bob.headers, { seatNos: [81] })).statusCode).toBe(201);
    expect(await bookingViolations(t.db, performanceId, new Date(clock.now()))).toEqual([]);
  });

  it('when a node died between the gate and PostgreSQL, then the seats it marked are free again within seconds', async () => {
    const { performanceId } = await onSalePerformance(t, noQueue);
    const alice = await buyer(t);
    const bob = await buyer(t);
    // The first hold of a performance has the gate rebuilt, beside it; the second goes through it.
    // The seat map exists once someone has looked at it.
    expect((await get(`/api/performances/${performanceId}/availability`, {})).statusCode).toBe(200);
    expect((await hold(performanceId, alice.headers, { seatNos: [59] })).statusCode).toBe(201);
    await t.holds.settled();
    expect((await hold(performanceId, alice.headers, { seatNos: [60] })).statusCode).toBe(201);
    // What the dead node leaves: marks in the gate for a hold PostgreSQL never saw.
    const ghost = {
      holdId: randomUUID(),
      userId: alice.id,
      seatNos: [61, 62],
      expiresAt: clock.now() + 300_000,
    };
    expect((await t.engine.gateAcquire(performanceId, ghost, 4, clock.now())).outcome).toBe('held');
    expect((await hold(performanceId, bob.headers, { seatNos: [61, 62] })).json().error.code).toBe(
      'SEAT_UNAVAILABLE',
    );
    clock.advance(GATE_PROVISIONAL_MS);
    const later = await hold(performanceId, bob.headers, { seatNos: [61, 62] });
    expect(later.statusCode).toBe(201);
    // A placed hold's seats are taken on the seat map: they stay taken past that time, until it expires.
    expect((await hold(performanceId, bob.headers, { seatNos: [60] })).json().error.code).toBe(
      'SEAT_UNAVAILABLE',
    );
    const gate = await t.engine.gateAcquire(
      performanceId,
      { holdId: 'probe', userId: bob.id, seatNos: [60], expiresAt: clock.now() + 1000 },
      4,
      clock.now(),
    );
    expect(gate.outcome).toBe('taken');
  });

  it('when a node’s engine has lost the gate, then PostgreSQL still refuses taken seats and the gate is rebuilt', async () => {
    const { performanceId } = await onSalePerformance(t, noQueue);
    const alice = await buyer(t);
    const bob = await buyer(t);
    await hold(performanceId, alice.headers, { seatNos: [90] });
    // A second node with an empty engine of its own: its gate knows nothing yet.
    const other = await startTestApp(mode, { clock });
    try {
      const res = await other.app.inject({
        method: 'POST',
        url: `/api/performances/${performanceId}/holds`,
        headers: bob.headers,
        payload: { seatNos: [90, 91] },
      });
      expect(res.json().error.code).toBe('SEAT_UNAVAILABLE');
      await other.holds.settled();
      const gate = await other.engine.gateAcquire(
        performanceId,
        { holdId: 'probe', userId: bob.id, seatNos: [90], expiresAt: clock.now() + 1000 },
        4,
        clock.now(),
      );
      expect(gate.outcome).toBe('taken');
      expect(await ticketStates(performanceId)).toHaveLength(1);
    } finally {
      await other.close();
    }
  });

  it('when a sale has a hold and a paid order, then the organizer’s stats add up, and only admins may read them', async () => {
    const { performanceId } = await onSalePerformance(t, noQueue);
    const admin = await adminHeaders(t);
    const alice = await buyer(t);
    const bob = await buyer(t);
    const stats = (headers: Headers, perf = performanceId) =>
      get(`/api/admin/performances/${perf}/stats`, headers);

    const before = await stats(admin);
    expect(before.statusCode).toBe(200);
    expect(before.json()).toMatchObject({
      queue: { waiting: 0, active: 0, admittedTotal: 0 },
      tickets: { available: 100, held: 0, sold: 0 },
      revenue: { amount: 0, currency: 'KRW' },
      orders: { paid: 0, refunded: 0, cancelled: 0 },
    });

    const paid = (await hold(performanceId, alice.headers, { seatNos: [30, 31] })).json();
    expect((await pay(paid.holdId, alice.headers, 'stats-1')).json().status).toBe('paid');
    expect((await hold(performanceId, bob.headers, { seatNos: [40, 41, 42] })).statusCode).toBe(201);

    const after = await stats(admin);
    expect(after.statusCode).toBe(200);
    const body = after.json();
    expect(body).toMatchObject({
      tickets: { available: 95, held: 3, sold: 2 },
      revenue: { amount: 100_000, currency: 'KRW' },
      orders: { paid: 1, refunded: 0, cancelled: 0 },
    });
    expect(body.tickets.available + body.tickets.held + body.tickets.sold).toBe(100);
    expect(new Date(body.at).getTime()).toBe(clock.now());

    expect((await stats(alice.headers)).statusCode).toBe(403);
    expect((await stats({})).statusCode).toBe(401);
    const unknown = await stats(admin, '999999999');
    expect([unknown.statusCode, unknown.json().error.code]).toEqual([404, 'PERFORMANCE_NOT_FOUND']);
  });
});
