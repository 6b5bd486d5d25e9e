import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keptLogger } from '../../test/logs.js';
import {
  adminHeaders,
  buyer,
  modes,
  onSalePerformance,
  seriesValue,
  startTestApp,
  TestClock,
  type TestApp,
  waitForJob,
} from '../../test/harness.js';
import { HookedPayments } from '../../test/payments.js';
import { pdfText } from '../../test/pdf-text.js';
import { bookingViolations } from '../loadtest/invariants.js';
import { OrderRepository } from './orders/repository.js';
import { TEST_CARDS } from './payments.js';

// Issue 15: tickets that say where to sit, a door bound to its performance, refunds that follow the
// rules (partial, deadline, used tickets, who asked), a payment that timed out retried with a new key.

type Headers = Record<string, string>;
const noQueue = { queue: { enabled: false } };
const PRICE = 50_000;

// Also through PgBouncer in transaction mode: cancels and refunds keep no session state (decision 036).
describe.each(modes({ pgbouncer: true }))('tickets, the door and refunds ($name)', (mode) => {
  let t: TestApp;
  let other: TestApp;
  const clock = new TestClock();
  const payments = new HookedPayments({ latencyMs: 2, timeoutMs: 200 });
  let admin: Headers;
  /** What node `t` warned about, parsed. */
  const warnings: { msg: string; refundId?: string; orderId?: string; err?: { message: string } }[] = [];

  beforeAll(async () => {
    t = await startTestApp(mode, {
      clock,
      payments,
      settings: { paymentTimeoutMs: 200 },
      logger: keptLogger('warn', warnings),
    });
    // A second node on the same PostgreSQL and the same engine, as nodes run: a second door.
    other = await startTestApp(mode, {
      clock,
      payments,
      settings: { paymentTimeoutMs: 200 },
      sharedEngine: t.engine,
    });
    admin = await adminHeaders(t);
  });
  afterAll(async () => {
    await other?.close();
    await t?.close();
  });

  const inject = (node: TestApp, method: 'GET' | 'POST', url: string, headers: Headers, payload?: object) =>
    node.app.inject({ method, url, headers, payload });
  /** A paid order of `seatNos` for a new buyer. */
  const purchase = async (performanceId: string, seatNos: number[]) => {
    const who = await buyer(t);
    const hold = await inject(t, 'POST', `/api/performances/${performanceId}/holds`, who.headers, {
      seatNos,
    });
    expect(hold.statusCode).toBe(201);
    const paid = await inject(
      t,
      'POST',
      `/api/holds/${hold.json().holdId}/checkout`,
      { ...who.headers, 'idempotency-key': `k-${hold.json().holdId}` },
      { payment: { card: TEST_CARDS.succeeds } },
    );
    expect(paid.statusCode).toBe(201);
    return { who, order: paid.json() };
  };
  /** The order service's own repository, for a test that makes one of its answers fail. */
  const orderRepository = () =>
    (t.orders as unknown as { deps: { repository: OrderRepository } }).deps.repository;
  const cancel = (orderId: string, headers: Headers, payload?: object) =>
    inject(t, 'POST', `/api/orders/${orderId}/cancel`, headers, payload);
  const checkin = (node: TestApp, code: string, performanceId: string) =>
    inject(node, 'POST', '/api/admin/checkin', admin, { code, performanceId });
  const sold = async (performanceId: string) =>
    (
      await t.db.query<{ seat: number }>(
        'SELECT seat_no AS seat FROM tickets WHERE performance_id = $1 AND status = 2 ORDER BY seat_no',
        [performanceId],
      )
    ).rows.map((r) => r.seat);
  const paymentOutcomes = (outcome: string) => seriesValue(t, 'tmomi_payments_total', 'outcome', outcome);
  const ordersRefunded = () => seriesValue(t, 'tmomi_orders_total', 'status', 'refunded');
  const noViolations = async (performanceId: string) =>
    expect(await bookingViolations(t.db, performanceId, new Date(clock.now()))).toEqual([]);

  it('when a buyer reads an order, then each ticket says where to sit and what it cost, and the order what it is for', async () => {
    const { performanceId } = await onSalePerformance(t, noQueue);
    const { who, order } = await purchase(performanceId, [0, 12]);
    expect(order).toMatchObject({
      status: 'paid',
      total: 2 * PRICE,
      amount: 2 * PRICE,
      refundedAmount: 0,
      currency: 'KRW',
      performance: { id: performanceId },
      event: { title: 'Test Show' },
      venue: { name: 'Test Hall' },
      refunds: [],
    });
    expect(order.tickets).toMatchObject([
      {
        seatNo: 0,
        section: 'A',
        row: '1',
        seat: '1',
        grade: 'R',
        price: PRICE,
        status: 'valid',
        checkedInAt: null,
      },
      { seatNo: 12, section: 'A', row: '2', seat: '3', grade: 'R', price: PRICE, status: 'valid' },
    ]);
    // No refund deadline given: refunds close when the performance starts.
    expect(order.performance.refundUntil).toBe(order.performance.startsAt);
    const read = await inject(t, 'GET', `/api/orders/${order.id}`, who.headers);
    expect(read.json()).toEqual(order);
    const list = await inject(t, 'GET', '/api/orders', who.headers);
    expect(list.json()).toEqual([order]);
    const ticket = await inject(t, 'GET', `/api/tickets/${order.tickets[1].id}`, who.headers);
    expect(ticket.json()).toEqual(order.tickets[1]);
    await noViolations(performanceId);
  });

  it('when a checkout pays, then its answer (made without reading the order back) is the order as read back', async () => {
    const post = async (url: string, payload: object) => {
      const res = await inject(t, 'POST', url, admin, payload);
      expect(res.statusCode).toBe(201);
      return res.json<{ id: string; jobId?: string }>();
    };
    // Two sections, rows with labels of their own and of different lengths, two grades at two prices.
    const venue = await post('/api/admin/venues', {
      name: '올림픽홀',
      address: '서울 송파구 올림픽로 424',
      sections: [
        {
          name: 'Floor',
          grade: 'VIP',
          rows: [
            { label: 'AA', seats: 3 },
            { label: 'BB', seats: 5 },
          ],
        },
        { name: 'B구역', grade: 'R', rows: 4, seatsPerRow: 6 },
      ],
    });
    const event = await post('/api/admin/events', {
      title: '겨울 콘서트',
      category: 'concert',
      venueId: venue.id,
      prices: [
        { grade: 'VIP', amount: 120_000 },
        { grade: 'R', amount: 80_000 },
      ],
    });
    const perf = await post(`/api/admin/events/${event.id}/performances`, {
      startsAt: new Date(clock.now() + 48 * 3600_000).toISOString(),
      salesOpenAt: new Date(clock.now() - 3600_000).toISOString(),
      salesCloseAt: new Date(clock.now() + 24 * 3600_000).toISOString(),
      refundUntil: new Date(clock.now() + 24 * 3600_000).toISOString(),
      ...noQueue,
    });
    await waitForJob(t, perf.jobId!);
    // Out of seat order: the last seat of row BB, then B구역 row 3 seat 2.
    const { who, order } = await purchase(perf.id, [8 + 2 * 6 + 1, 7]);
    expect(order.tickets).toMatchObject([
      { seatNo: 7, section: 'Floor', row: 'BB', seat: '5', grade: 'VIP', price: 120_000 },
      { seatNo: 21, section: 'B구역', row: '3', seat: '2', grade: 'R', price: 80_000 },
    ]);
    expect(order).toMatchObject({
      total: 200_000,
      event: { id: event.id, title: '겨울 콘서트' },
      venue: { name: '올림픽홀', address: '서울 송파구 올림픽로 424' },
    });
    const read = await inject(t, 'GET', `/api/orders/${order.id}`, who.headers);
    expect(read.json()).toEqual(order);
  });

  it('when a door scans codes, then it admits its own performance’s valid tickets once and says why not for the rest', async () => {
    const tonight = await onSalePerformance(t, noQueue);
    const tomorrow = await onSalePerformance(t, noQueue);
    const { who, order } = await purchase(tonight.performanceId, [5, 6]);
    const { order: elsewhere } = await purchase(tomorrow.performanceId, [5]);
    const [first, second] = order.tickets;

    const admitted = await checkin(t, first.code, tonight.performanceId);
    expect(admitted.statusCode).toBe(200);
    expect(admitted.json()).toMatchObject({
      id: first.id,
      section: 'A',
      row: '1',
      seat: '6',
      status: 'used',
    });
    const used = await checkin(other, first.code, tonight.performanceId);
    expect(used.statusCode).toBe(409);
    expect(used.json().error).toMatchObject({
      code: 'ALREADY_CHECKED_IN',
      details: { checkedInAt: admitted.json().checkedInAt },
    });
    const wrong = await checkin(t, elsewhere.tickets[0].code, tonight.performanceId);
    expect(wrong.statusCode).toBe(409);
    expect(wrong.json().error).toMatchObject({
      code: 'WRONG_PERFORMANCE',
      details: { performanceId: tomorrow.performanceId, startsAt: elsewhere.performance.startsAt },
    });
    // The wrong door did not use it up.
    expect((await checkin(t, elsewhere.tickets[0].code, tomorrow.performanceId)).statusCode).toBe(200);

    expect((await cancel(order.id, who.headers, { ticketIds: [second.id] })).statusCode).toBe(200);
    expect((await checkin(t, second.code, tonight.performanceId)).json().error.code).toBe('TICKET_VOID');
    expect((await checkin(t, `${first.code.slice(0, -3)}abc`, tonight.performanceId)).statusCode).toBe(404);
    expect((await checkin(t, first.code, '999999999')).json().error.code).toBe('PERFORMANCE_NOT_FOUND');

    // Both fields are required, and named when missing.
    const missing = await inject(t, 'POST', '/api/admin/checkin', admin, { code: first.code });
    expect(missing.statusCode).toBe(400);
    expect(JSON.stringify(missing.json().error)).toContain('performanceId');
    expect((await inject(t, 'POST', '/api/admin/checkin', admin, { performanceId: '1' })).statusCode).toBe(
      400,
    );

    const count = await inject(t, 'GET', `/api/admin/performances/${tonight.performanceId}/checkins`, admin);
    expect(count.json()).toMatchObject({ performanceId: tonight.performanceId, checkedIn: 1, sold: 1 });
    await noViolations(tonight.performanceId);
  });

  it('when 20 scans of one code arrive at two doors at once, then exactly one admits', async () => {
    const { performanceId } = await onSalePerformance(t, noQueue);
    const { order } = await purchase(performanceId, [30]);
    const code = order.tickets[0].code;
    const scans = await Promise.all(
      Array.from({ length: 20 }, (_, i) => checkin(i % 2 ? other : t, code, performanceId)),
    );
    expect(scans.map((s) => s.statusCode).sort()).toEqual([200, ...Array(19).fill(409)]);
    const { rows } = await t.db.query('SELECT checked_in_at FROM issued_tickets WHERE code = $1', [code]);
    expect(rows).toHaveLength(1);
    expect(rows[0].checked_in_at).not.toBeNull();
    await noViolations(performanceId);
  });

  it('when a buyer refunds part of an order and then the rest, then the refunds add up to the charge and each seat comes back once', async () => {
    const { performanceId } = await onSalePerformance(t, noQueue);
    const { who, order } = await purchase(performanceId, [40, 41, 42]);
    const { rows } = await t.db.query<{ ref: string }>(
      'SELECT provider_ref AS ref FROM payments WHERE order_id = $1',
      [order.id],
    );
    const ref = rows[0]!.ref;
    const refundedOrders = await ordersRefunded();

    const part = await cancel(order.id, who.headers, { ticketIds: [order.tickets[1].id] });
    expect(part.statusCode).toBe(200);
    // A part refunded leaves the order paid: not counted as a refunded order.
    expect(await ordersRefunded()).toBe(refundedOrders);
    expect(part.json()).toMatchObject({ status: 'paid', seatNos: [40, 42], refundedAmount: PRICE });
    expect(part.json().tickets.map((x: { status: string }) => x.status)).toEqual(['valid', 'void', 'valid']);
    expect(await sold(performanceId)).toEqual([40, 42]);
    expect(payments.refundedOf(ref)).toBe(PRICE);
    await noViolations(performanceId);

    // The seat freed is on sale again, once: another buyer takes it.
    const next = await buyer(t);
    const again = await inject(t, 'POST', `/api/performances/${performanceId}/holds`, next.headers, {
      seatNos: [41],
    });
    expect(again.statusCode).toBe(201);

    const rest = await cancel(
      order.id,
      { ...who.headers, 'idempotency-key': 'the-rest' },
      { ticketIds: [order.tickets[0].id, order.tickets[2].id] },
    );
    expect(rest.statusCode).toBe(200);
    expect(await ordersRefunded()).toBe(refundedOrders + 1);
    // Sent again, the same refund: the order is not counted twice.
    const repeated = await cancel(
      order.id,
      { ...who.headers, 'idempotency-key': 'the-rest' },
      { ticketIds: [order.tickets[0].id, order.tickets[2].id] },
    );
    expect([repeated.statusCode, repeated.json().status]).toEqual([200, 'refunded']);
    expect(await ordersRefunded()).toBe(refundedOrders + 1);
    expect(rest.json()).toMatchObject({
      status: 'refunded',
      refundedAmount: 3 * PRICE,
      reason: 'cancelled-by-buyer',
    });
    expect(rest.json().refunds).toMatchObject([
      { amount: PRICE, by: 'buyer', state: 'succeeded', adminId: null },
      { amount: 2 * PRICE, by: 'buyer', state: 'succeeded' },
    ]);
    expect(payments.refundedOf(ref)).toBe(3 * PRICE);
    expect(await sold(performanceId)).toEqual([]);
    for (const payload of [undefined, { ticketIds: [order.tickets[0].id] }]) {
      expect((await cancel(order.id, who.headers, payload)).json().error).toMatchObject({
        code: 'ORDER_NOT_CANCELLABLE',
        details: { status: 'refunded' },
      });
    }
    await noViolations(performanceId);
  });

  it('when a ticket’s price is not its share of the charge, then the last refund still makes the refunds add up to the charge', async () => {
    // A ticket issued before migration 0010 was priced by its grade as it was then, which need not add
    // up to what its order was charged: the refund that voids the last ticket gives back the rest.
    const { performanceId } = await onSalePerformance(t, noQueue);
    const { who, order } = await purchase(performanceId, [43, 44]);
    await t.db.query('UPDATE issued_tickets SET price = price + 1000 WHERE id = $1', [order.tickets[0].id]);
    expect((await cancel(order.id, who.headers, { ticketIds: [order.tickets[1].id] })).statusCode).toBe(200);
    const rest = await cancel(order.id, who.headers);
    expect(rest.json()).toMatchObject({ status: 'refunded', refundedAmount: 2 * PRICE });
    expect(rest.json().refunds.map((r: { amount: number }) => r.amount)).toEqual([PRICE, PRICE]);
    await noViolations(performanceId);
  });

  it('when a late settler calls a paid order’s hold lost, then the order stays paid and nothing is refunded', async () => {
    const { performanceId } = await onSalePerformance(t, noQueue);
    const { order } = await purchase(performanceId, [45]);
    const repository = new OrderRepository(t.db);
    expect(await repository.settleRefunded(order.id, 'hold-expired', 'simulator', 'ref')).toBe('paid');
    const { rows } = await t.db.query('SELECT count(*)::int AS n FROM refunds WHERE order_id = $1', [
      order.id,
    ]);
    expect(rows).toEqual([{ n: 0 }]);
    expect(await sold(performanceId)).toEqual([45]);
    await noViolations(performanceId);
  });

  it('when a ticket of an order has been used, then cancelling it is refused and nothing changes', async () => {
    const { performanceId } = await onSalePerformance(t, noQueue);
    const { who, order } = await purchase(performanceId, [50, 51]);
    expect((await checkin(t, order.tickets[0].code, performanceId)).statusCode).toBe(200);
    const snapshot = () =>
      t.db.query(
        `SELECT (SELECT row_to_json(o) FROM orders o WHERE id = $1) AS "order",
                (SELECT json_agg(i ORDER BY i.id) FROM issued_tickets i WHERE order_id = $1) AS tickets,
                (SELECT count(*) FROM refunds WHERE order_id = $1) AS refunds`,
        [order.id],
      );
    const before = (await snapshot()).rows;
    const refunds = payments.refundCount;
    for (const payload of [undefined, { ticketIds: [order.tickets[0].id] }]) {
      const refused = await cancel(order.id, who.headers, payload);
      expect(refused.statusCode).toBe(409);
      expect(refused.json().error).toMatchObject({
        code: 'TICKET_USED',
        details: { ticketIds: [order.tickets[0].id] },
      });
    }
    expect((await snapshot()).rows).toEqual(before);
    expect(payments.refundCount).toBe(refunds);
    expect(await sold(performanceId)).toEqual([50, 51]);
    await noViolations(performanceId);
  });

  it('when the refund deadline has passed, then the buyer is refused and an admin may still refund, recorded as the admin with a reason', async () => {
    const refundUntil = new Date(clock.now() + 60_000).toISOString();
    const { performanceId } = await onSalePerformance(t, { ...noQueue, refundUntil });
    const { who, order } = await purchase(performanceId, [60, 61]);
    expect(order.performance.refundUntil).toBe(refundUntil);
    clock.advance(60_001);
    try {
      const late = await cancel(order.id, who.headers);
      expect(late.statusCode).toBe(409);
      expect(late.json().error).toMatchObject({ code: 'REFUND_CLOSED', details: { refundUntil } });

      const refund = (payload: object, headers: Headers = admin) =>
        inject(t, 'POST', `/api/admin/orders/${order.id}/refund`, headers, payload);
      expect((await refund({})).statusCode).toBe(400); // a reason is required
      expect((await refund({ reason: '   ' })).statusCode).toBe(400);
      expect((await refund({ reason: 'x' }, who.headers)).statusCode).toBe(403);
      const done = await refund({ reason: 'show moved', ticketIds: [order.tickets[0].id] });
      expect(done.statusCode).toBe(200);
      const me = (await inject(t, 'GET', '/api/me', admin)).json();
      expect(done.json().refunds).toMatchObject([
        { by: 'admin', adminId: me.id, reason: 'show moved', amount: PRICE },
      ]);
      expect(await sold(performanceId)).toEqual([61]);
    } finally {
      clock.advance(-60_001);
    }
    await noViolations(performanceId);
  });

  it('when a cancelled performance’s orders are refunded, then the deadline does not stop it, two runs asking at once refund an order once, and an order refunded meanwhile or gone is passed over', async () => {
    const refundUntil = new Date(clock.now() + 60_000).toISOString();
    const { performanceId } = await onSalePerformance(t, { ...noQueue, refundUntil });
    const { who, order } = await purchase(performanceId, [70, 71]);
    const early = await purchase(performanceId, [72]);
    expect((await cancel(early.order.id, early.who.headers)).statusCode).toBe(200);
    clock.advance(60_001);
    const repository = orderRepository();
    const realFind = repository.findOrder.bind(repository);
    // Both runs read the order as paid before either refunds it, as a job taken again by another node
    // while its last run still goes would.
    let read = 0;
    let bothRead!: () => void;
    const barrier = new Promise<void>((resolve) => (bothRead = resolve));
    repository.findOrder = async (...args) => {
      const found = await realFind(...args);
      if (++read === 2) bothRead();
      await barrier;
      return found;
    };
    try {
      await Promise.all([
        t.orders.refundCancelled(order.id, 'storm'),
        t.orders.refundCancelled(order.id, 'storm'),
      ]);
    } finally {
      repository.findOrder = realFind;
    }
    try {
      // Refunded by its buyer before the job came to it, or not there at all: nothing to do.
      await t.orders.refundCancelled(early.order.id, 'storm');
      await t.orders.refundCancelled('9999999999', 'storm');
    } finally {
      clock.advance(-60_001);
    }
    const refundsOf = async (id: string, headers: Headers) =>
      (await inject(t, 'GET', `/api/orders/${id}`, headers)).json();
    expect(await refundsOf(order.id, who.headers)).toMatchObject({
      status: 'refunded',
      refunds: [{ by: 'system', amount: 2 * PRICE, reason: expect.stringContaining('storm') }],
    });
    expect((await refundsOf(early.order.id, early.who.headers)).refunds).toMatchObject([{ by: 'buyer' }]);
    expect(await sold(performanceId)).toEqual([]);
    await noViolations(performanceId);
  });

  it('when a cancel is retried with its Idempotency-Key, then it refunds once and both answers show the refund', async () => {
    const { performanceId } = await onSalePerformance(t, noQueue);
    const { who, order } = await purchase(performanceId, [70, 71]);
    const headers = { ...who.headers, 'idempotency-key': 'cancel-once' };
    const refunds = payments.refundCount;
    const [a, b] = await Promise.all([cancel(order.id, headers), cancel(order.id, headers)]);
    expect([a.statusCode, b.statusCode]).toEqual([200, 200]);
    expect(b.json().refunds).toHaveLength(1);
    expect(payments.refundCount).toBe(refunds + 1);
    await noViolations(performanceId);
  });

  it('when the provider fails a refund, then the order shows it pending and the sweeper pays it back later', async () => {
    const { performanceId } = await onSalePerformance(t, noQueue);
    const { who, order } = await purchase(performanceId, [75]);
    payments.duringRefund = () => Promise.reject(new Error('provider down'));
    let res;
    try {
      res = await cancel(order.id, who.headers);
    } finally {
      payments.duringRefund = undefined;
    }
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      status: 'refunded',
      refunds: [{ state: 'pending', completedAt: null }],
    });
    expect(await sold(performanceId)).toEqual([]);
    clock.advance(31_000);
    try {
      // Two nodes share the sweeper's lease: whichever leads now makes the pass, the other skips it.
      await Promise.all([t.sweeper.sweep(), other.sweeper.sweep()]);
    } finally {
      clock.advance(-31_000);
    }
    const read = await inject(t, 'GET', `/api/orders/${order.id}`, who.headers);
    expect(read.json().refunds).toMatchObject([{ state: 'succeeded' }]);
    await noViolations(performanceId);
  });

  it('when the provider fails a refund and even its retry cannot be scheduled, then both are logged, and the cancel sent again with its key pays it back at once', async () => {
    const { performanceId } = await onSalePerformance(t, noQueue);
    const { who, order } = await purchase(performanceId, [76]);
    const headers = { ...who.headers, 'idempotency-key': 'refund-retried' };
    const repository = orderRepository();
    const refundFailed = repository.refundFailed.bind(repository);
    repository.refundFailed = () => Promise.reject(new Error('database gone'));
    payments.duringRefund = () => Promise.reject(new Error('provider down'));
    const errors = await paymentOutcomes('error');
    warnings.length = 0;
    let first;
    try {
      first = await cancel(order.id, headers);
    } finally {
      payments.duringRefund = undefined;
      repository.refundFailed = refundFailed;
    }
    expect(first.json()).toMatchObject({ status: 'refunded', refunds: [{ state: 'pending' }] });
    const refundId = first.json().refunds[0].id;
    expect(warnings.map((w) => [w.msg, w.refundId, w.err?.message])).toEqual([
      ['refund not paid back yet; the sweeper will ask again', refundId, 'provider down'],
      ['refund retry not rescheduled', refundId, 'database gone'],
    ]);
    expect(await paymentOutcomes('error')).toBe(errors + 1);
    // The buyer's retry finds its refund pending and asks the provider again, without the sweeper.
    const calls = payments.refundCalls;
    for (const asked of [calls + 1, calls + 1]) {
      const retried = await cancel(order.id, headers);
      expect([retried.statusCode, retried.json().refunds]).toMatchObject([
        200,
        [{ id: refundId, state: 'succeeded' }],
      ]);
      // Once it is paid back, asked again it asks the provider nothing.
      expect(payments.refundCalls).toBe(asked);
    }
    await noViolations(performanceId);
  });

  it('when the engine cannot be told of a refund, then the refund stands in PostgreSQL and the failure is logged with the order', async () => {
    const { performanceId } = await onSalePerformance(t, noQueue);
    const { who, order } = await purchase(performanceId, [77]);
    const unsell = t.engine.gateUnsell.bind(t.engine);
    t.engine.gateUnsell = () => Promise.reject(new Error('engine unreachable'));
    warnings.length = 0;
    let res;
    try {
      res = await cancel(order.id, who.headers);
    } finally {
      t.engine.gateUnsell = unsell;
    }
    expect([res.statusCode, res.json().status]).toEqual([200, 'refunded']);
    expect(await sold(performanceId)).toEqual([]);
    expect(warnings.map((w) => [w.msg, w.orderId, w.err?.message])).toEqual([
      ['engine update after refund failed', order.id, 'engine unreachable'],
    ]);
    await noViolations(performanceId);
  });

  it('when a payment timed out, then a new key with a good card pays the same hold once, and the failed attempt is not in the list', async () => {
    const { performanceId } = await onSalePerformance(t, noQueue);
    const who = await buyer(t);
    const hold = (
      await inject(t, 'POST', `/api/performances/${performanceId}/holds`, who.headers, { seatNos: [80] })
    ).json();
    const pay = (key: string, card: string) =>
      inject(
        t,
        'POST',
        `/api/holds/${hold.holdId}/checkout`,
        { ...who.headers, 'idempotency-key': key },
        { payment: { card } },
      );
    const timedOut = await pay('first', TEST_CARDS.timesOut);
    expect(timedOut.statusCode).toBe(504);
    const charges = payments.chargeCount;
    const paid = await pay('second', TEST_CARDS.succeeds);
    expect(paid.statusCode).toBe(201);
    expect(payments.chargeCount).toBe(charges + 1);
    // The first key keeps its first answer.
    expect((await pay('first', TEST_CARDS.succeeds)).json().error.code).toBe('PAYMENT_TIMEOUT');
    const list = (await inject(t, 'GET', '/api/orders', who.headers)).json();
    expect(list.map((o: { id: string }) => o.id)).toEqual([paid.json().id]);
    // Support can still read the attempt by its id.
    const attempt = timedOut.json().error.details.orderId;
    expect((await inject(t, 'GET', `/api/orders/${attempt}`, who.headers)).json().status).toBe('cancelled');
    await noViolations(performanceId);
  });

  it('when a buyer downloads the tickets, then the PDF has a page per ticket with the seat and the Hangul title as text', async () => {
    const { performanceId, eventId } = await onSalePerformance(t, noQueue);
    await t.db.query(`UPDATE events SET title = '아이유 콘서트' WHERE id = $1`, [eventId]);
    const { who, order } = await purchase(performanceId, [21, 22]);
    const res = await inject(t, 'GET', `/api/orders/${order.id}/tickets.pdf?lang=ko`, who.headers);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    const { pages } = await pdfText(res.rawPayload);
    expect(pages).toHaveLength(2);
    expect(pages[0]).toContain('아이유 콘서트');
    expect(pages[0]).toContain('A구역 3열 2번');
    const english = await inject(t, 'GET', `/api/orders/${order.id}/tickets.pdf`, {
      ...who.headers,
      'accept-language': 'en-US,en;q=0.8',
    });
    expect((await pdfText(english.rawPayload)).pages[1]).toContain('Section A · Row 3 · Seat 3');
    const stranger = await buyer(t);
    expect((await inject(t, 'GET', `/api/orders/${order.id}/tickets.pdf`, stranger.headers)).statusCode).toBe(
      404,
    );
    expect(
      (await inject(t, 'GET', `/api/orders/${order.id}/tickets.pdf?lang=fr`, who.headers)).statusCode,
    ).toBe(400);
  });

  it('when refund input is bad, then 400 with the field named, and another buyer’s order or ticket is 404', async () => {
    const { performanceId } = await onSalePerformance(t, noQueue);
    const { who, order } = await purchase(performanceId, [90]);
    const { order: theirs } = await purchase(performanceId, [91]);
    // Each new field, when wrong, is refused with that field named.
    const named = (res: {
      statusCode: number;
      json: () => { error: { code: string; details?: object } };
    }) => [
      res.statusCode,
      res.json().error.code,
      (res.json().error.details as { field?: string } | undefined)?.field,
    ];
    for (const [payload, field] of [
      [{ ticketIds: [] }, 'ticketIds'],
      [{ ticketIds: ['x'] }, 'ticketIds.0'],
      [{ ticketIds: [order.tickets[0].id, order.tickets[0].id] }, 'ticketIds'],
      [{ ticketIds: 'x' }, 'ticketIds'],
      [{ other: 1 }, 'other'],
    ] as const) {
      const res = await cancel(order.id, who.headers, payload);
      expect(named(res), JSON.stringify(payload)).toEqual([400, 'VALIDATION_FAILED', field]);
    }
    const adminRefund = (id: string, payload: object) =>
      inject(t, 'POST', `/api/admin/orders/${id}/refund`, admin, payload);
    for (const [payload, field] of [
      [{}, 'reason'],
      [{ reason: 'x'.repeat(501) }, 'reason'],
      [{ reason: 'ok\u0000' }, 'reason'],
      [{ reason: 'ok', ticketIds: ['0'] }, 'ticketIds.0'],
    ] as const) {
      const res = await adminRefund(order.id, payload);
      expect(named(res), JSON.stringify(payload)).toEqual([400, 'VALIDATION_FAILED', field]);
    }
    expect(named(await inject(t, 'POST', '/api/admin/checkin', admin, { performanceId }))).toEqual([
      400,
      'VALIDATION_FAILED',
      'code',
    ]);
    expect(
      named(await inject(t, 'POST', '/api/admin/checkin', admin, { code: 'T1', performanceId: 'one' })),
    ).toEqual([400, 'VALIDATION_FAILED', 'performanceId']);
    expect(named(await inject(t, 'GET', `/api/orders/${order.id}/tickets.pdf?lang=fr`, who.headers))).toEqual(
      [400, 'VALIDATION_FAILED', 'lang'],
    );
    // Unknown ids: 404 with the catalog's code, whoever asks.
    for (const [method, url, code] of [
      ['GET', '/api/orders/999999999', 'ORDER_NOT_FOUND'],
      ['GET', '/api/orders/999999999/tickets.pdf', 'ORDER_NOT_FOUND'],
      ['GET', '/api/tickets/999999999', 'TICKET_NOT_FOUND'],
      ['GET', '/api/tickets/999999999/qr.svg', 'TICKET_NOT_FOUND'],
    ] as const)
      expect(named(await inject(t, method, url, who.headers)).slice(0, 2), url).toEqual([404, code]);
    expect((await adminRefund('999999999', { reason: 'typo' })).json().error).toMatchObject({
      code: 'ORDER_NOT_FOUND',
      details: { orderId: '999999999' },
    });
    // An order gone between its read and its refund (its performance deleted meanwhile): PostgreSQL's
    // word for it is the same 404.
    const repository = orderRepository();
    const refund = repository.refund.bind(repository);
    repository.refund = async () => ({ outcome: 'unknown_order' });
    try {
      const gone = await cancel(order.id, who.headers);
      expect([gone.statusCode, gone.json().error]).toMatchObject([
        404,
        { code: 'ORDER_NOT_FOUND', details: { orderId: order.id } },
      ]);
    } finally {
      repository.refund = refund;
    }
    expect(named(await checkin(t, order.tickets[0].code, '999999999')).slice(0, 2)).toEqual([
      404,
      'PERFORMANCE_NOT_FOUND',
    ]);
    expect(
      named(await inject(t, 'GET', '/api/admin/performances/999999999/checkins', admin)).slice(0, 2),
    ).toEqual([404, 'PERFORMANCE_NOT_FOUND']);
    // Another buyer's ticket, read directly, is not found either.
    expect(named(await inject(t, 'GET', `/api/tickets/${theirs.tickets[0].id}`, who.headers))[0]).toBe(404);
    expect((await cancel(theirs.id, who.headers)).json().error.code).toBe('ORDER_NOT_FOUND');
    const foreign = await cancel(order.id, who.headers, { ticketIds: [theirs.tickets[0].id] });
    expect(foreign.statusCode).toBe(404);
    expect(foreign.json().error).toMatchObject({
      code: 'TICKET_NOT_FOUND',
      details: { ticketIds: [theirs.tickets[0].id] },
    });
    expect((await cancel('999999999', who.headers)).statusCode).toBe(404);
    expect((await inject(t, 'GET', `/api/orders/${theirs.id}`, who.headers)).statusCode).toBe(404);

    const { eventId } = await onSalePerformance(t, noQueue);
    const performance = (refundUntil: string) =>
      inject(t, 'POST', `/api/admin/events/${eventId}/performances`, admin, {
        startsAt: new Date(clock.now() + 86_400_000).toISOString(),
        salesOpenAt: new Date(clock.now()).toISOString(),
        salesCloseAt: new Date(clock.now() + 3_600_000).toISOString(),
        refundUntil,
      });
    const badDeadline = await performance(new Date(clock.now() + 2 * 86_400_000).toISOString());
    expect(badDeadline.json().error.code).toBe('INVALID_REFUND_DEADLINE');
    expect(named(await performance('tomorrow'))).toEqual([400, 'VALIDATION_FAILED', 'refundUntil']);
    await noViolations(performanceId);
  });
});
