import { randomUUID } from 'node:crypto';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buyer, modes, onSalePerformance, startTestApp, type TestApp } from '../../test/harness.js';
import { bookingViolations } from '../loadtest/invariants.js';
import { createBookingMetrics, type BookingMetrics } from './metrics.js';
import { CheckoutRepository } from './checkout/repository.js';
import { HoldRepository, type NewHold } from './holds/repository.js';

/**
 * The batched PostgreSQL calls (docs/decisions/006), straight through the repositories: calls made in
 * the same turn of the event loop go to PostgreSQL together, and each keeps its own outcome.
 */
describe.each(modes())('holds and settlements in one batch ($name)', (mode) => {
  let t: TestApp;
  let holdRepository: HoldRepository;
  let checkoutRepository: CheckoutRepository;
  let metrics: BookingMetrics;
  const noQueue = { queue: { enabled: false }, maxTicketsPerUser: 4 };

  beforeAll(async () => {
    t = await startTestApp(mode);
    // Its own metrics, so that its batches are counted apart from the app's.
    metrics = createBookingMetrics(new Registry());
    holdRepository = new HoldRepository({ db: t.db, metrics });
    checkoutRepository = new CheckoutRepository({ db: t.db, metrics });
  });
  afterAll(() => t.close());

  /** The PostgreSQL calls of one kind so far, and the inputs they carried in all. */
  const sent = async (call: 'place' | 'settle') => {
    const { values } = await metrics.dbBatchSize.get();
    const of = (suffix: string) =>
      values.find((v) => v.metricName === `tmomi_booking_db_batch_size_${suffix}` && v.labels.call === call)
        ?.value ?? 0;
    return { calls: of('count'), inputs: of('sum') };
  };

  const newHold = (performanceId: string, userId: string, seatNos: number[], ttlMs = 300_000): NewHold => ({
    id: randomUUID(),
    userId,
    performanceId,
    seatNos,
    seatPrices: seatNos.map(() => 50_000),
    amount: 50_000 * seatNos.length,
    currency: 'KRW',
    expiresAt: new Date(Date.now() + ttlMs),
    now: new Date(),
    cap: 4,
    passId: null,
    requestKey: null,
  });

  it('when winners and losers of every kind arrive together, then each gets its own outcome and only winners leave a trace', async () => {
    const { performanceId: perf } = await onSalePerformance(t, noQueue);
    const [a, b, c, d] = await Promise.all([buyer(t), buyer(t), buyer(t), buyer(t)]);
    await holdRepository.placeHold(newHold(perf, c.id, [90])); // already sold out, for d below
    const holds = [
      newHold(perf, a.id, [1, 2]),
      newHold(perf, b.id, [2, 3]), // seat 2 is a's, placed just before in the same batch
      newHold(perf, a.id, [4, 5, 6]), // a already has 2: over the cap of 4
      newHold(perf, a.id, [7, 8]), // a's 2 + 2 = 4: within the cap
      newHold(perf, d.id, [89, 90]), // 90 is c's
      newHold(perf, b.id, [999]), // no such seat
      newHold(perf, b.id, [10]),
    ];
    const before = await sent('place');
    const outcomes = await Promise.all(holds.map((h) => holdRepository.placeHold(h)));
    // All seven went to PostgreSQL in one call (split into rounds inside it, never into calls).
    expect(await sent('place')).toEqual({ calls: before.calls + 1, inputs: before.inputs + 7 });
    expect(outcomes).toEqual([
      { outcome: 'held' },
      { outcome: 'taken', seatNos: [2] },
      { outcome: 'limit', count: 2 },
      { outcome: 'held' },
      { outcome: 'taken', seatNos: [90] },
      { outcome: 'taken', seatNos: [999] },
      { outcome: 'held' },
    ]);
    const { rows } = await t.db.query<{ id: string; seats: number[] }>(
      `SELECT id::text, seat_nos AS seats FROM holds WHERE performance_id = $1 ORDER BY seat_nos[1]`,
      [perf],
    );
    expect(rows.map((r) => r.seats)).toEqual([[1, 2], [7, 8], [10], [90]]);
    expect(await bookingViolations(t.db, perf)).toEqual([]);
  });

  it('when a deleted account’s hold arrives with others, then it alone is refused (401) and the others are decided in the same call', async () => {
    const { performanceId: perf } = await onSalePerformance(t, noQueue);
    const [gone, a, b] = await Promise.all([buyer(t), buyer(t), buyer(t)]);
    // Deleted after its node last checked the session (issue 16, defect 1): its token still looks good.
    await t.db.query('DELETE FROM users WHERE id = $1', [gone.id]);
    // Its own repository on a pool that counts the statements: a failed batch is run again item by item.
    let statements = 0;
    const db = new Proxy(t.db, {
      get: (pool, key) =>
        key === 'query'
          ? (...args: Parameters<typeof pool.query>) => (statements++, pool.query(...args))
          : Reflect.get(pool, key),
    });
    const repository = new HoldRepository({ db, metrics });
    const before = await sent('place');
    const outcomes = await Promise.allSettled(
      [newHold(perf, a.id, [1]), newHold(perf, gone.id, [2]), newHold(perf, b.id, [3])].map((h) =>
        repository.placeHold(h),
      ),
    );
    expect(
      outcomes.map((o) => (o.status === 'fulfilled' ? o.value : (o.reason as { code: string }).code)),
    ).toEqual([{ outcome: 'held' }, 'SESSION_ENDED', { outcome: 'held' }]);
    // One statement for the three: the missing account no longer fails the batch into three alone.
    expect(await sent('place')).toEqual({ calls: before.calls + 1, inputs: before.inputs + 3 });
    expect(statements).toBe(1);
    const { rows } = await t.db.query<{ seats: number[] }>(
      `SELECT seat_nos AS seats FROM holds WHERE performance_id = $1 ORDER BY seat_nos[1]`,
      [perf],
    );
    expect(rows.map((r) => r.seats)).toEqual([[1], [3]]);
    expect(await bookingViolations(t.db, perf)).toEqual([]);
  });

  it('when settlements arrive together, then the live ones are sold with their codes, a lost one stays pending, and a settled one keeps its status', async () => {
    const { performanceId: perf } = await onSalePerformance(t, noQueue);
    const buyers = await Promise.all([buyer(t), buyer(t), buyer(t)]);
    const holds = [
      newHold(perf, buyers[0].id, [20, 21]),
      newHold(perf, buyers[1].id, [22]),
      newHold(perf, buyers[2].id, [23], 1_500), // expires before it is settled
    ];
    for (const h of holds) expect(await holdRepository.placeHold(h)).toEqual({ outcome: 'held' });
    const orders = [];
    for (const h of holds) {
      const created = await checkoutRepository.createOrder({
        holdId: h.id,
        userId: h.userId,
        key: randomUUID(),
        now: new Date(),
        claimUntil: new Date(Date.now() + 10_000),
      });
      orders.push(created!.order);
    }
    await new Promise((r) => setTimeout(r, 1_600));
    const codes = (n: number) => Array.from({ length: n }, () => `code-${randomUUID()}`);
    const first = await checkoutRepository.settlePaid(
      orders[1]!.id,
      new Date(),
      'simulator',
      'ref-b',
      codes(1),
    );
    expect(first.status).toBe('paid');
    const before = await sent('settle');
    const settled = await Promise.all(
      orders.map((o, i) =>
        checkoutRepository.settlePaid(o.id, new Date(), 'simulator', `ref-${i}`, codes(o.seatNos.length)),
      ),
    );
    expect(await sent('settle')).toEqual({ calls: before.calls + 1, inputs: before.inputs + 3 });
    expect(settled.map((s) => s.status)).toEqual(['paid', 'paid', 'pending']);
    expect(settled[0]!.tickets!.map((tk) => tk.seatNo)).toEqual([20, 21]);
    expect(settled[1]!.tickets).toBeUndefined(); // settled before: the status only
    const { rows } = await t.db.query<{ status: string; codes: number }>(
      `SELECT o.status, (SELECT count(*)::int FROM issued_tickets i WHERE i.order_id = o.id) AS codes
       FROM orders o WHERE o.performance_id = $1 ORDER BY o.id`,
      [perf],
    );
    expect(rows).toEqual([
      { status: 'paid', codes: 2 },
      { status: 'paid', codes: 1 },
      { status: 'pending', codes: 0 },
    ]);
    const outbox = await t.db.query(
      `SELECT count(*)::int AS n FROM outbox WHERE topic = 'order.paid' AND payload->>'performanceId' = $1`,
      [perf],
    );
    expect(outbox.rows[0].n).toBe(2);
  });

  it('when a late settlement finds a seat taken over, a seat no longer held, or its order already cancelled, then nothing is sold', async () => {
    const { performanceId: perf } = await onSalePerformance(t, noQueue);
    const [a, b, c, d] = await Promise.all([buyer(t), buyer(t), buyer(t), buyer(t)]);
    const holds = [
      newHold(perf, a.id, [30], 1_500), // expires, then d takes its seat over in place
      newHold(perf, b.id, [32, 34]), // seat 34 is lost below, 32 still held
      newHold(perf, c.id, [33]), // its card is declined: the order is cancelled, the hold stays
    ];
    for (const h of holds) expect(await holdRepository.placeHold(h)).toEqual({ outcome: 'held' });
    const orders = [];
    for (const h of holds) {
      const created = await checkoutRepository.createOrder({
        holdId: h.id,
        userId: h.userId,
        key: randomUUID(),
        now: new Date(),
        claimUntil: new Date(Date.now() + 10_000),
      });
      orders.push(created!.order);
    }
    await new Promise((r) => setTimeout(r, 1_600));
    const takeover = newHold(perf, d.id, [30]);
    expect(await holdRepository.placeHold(takeover)).toEqual({ outcome: 'held' });
    // A state no path reaches while release and expiry free a hold's seats together: the settlement's
    // own count of held seats is what refuses to sell an order whole when one seat of it is gone.
    await t.db.query(
      `UPDATE tickets SET status = 0, hold_id = NULL, held_until = NULL WHERE performance_id = $1 AND seat_no = 34`,
      [perf],
    );
    expect(await checkoutRepository.settleUncharged(orders[2]!.id, 'card-declined', null)).toBe('cancelled');

    const codes = (n: number) => Array.from({ length: n }, () => `code-${randomUUID()}`);
    const settled = await Promise.all(
      orders.map((o, i) =>
        checkoutRepository.settlePaid(o.id, new Date(), 'simulator', `late-${i}`, codes(o.seatNos.length)),
      ),
    );
    expect(settled).toEqual([{ status: 'pending' }, { status: 'pending' }, { status: 'cancelled' }]);
    const { rows } = await t.db.query<{ seat: number; status: number; hold: string | null }>(
      `SELECT seat_no AS seat, status, hold_id::text AS hold FROM tickets
       WHERE performance_id = $1 AND seat_no BETWEEN 30 AND 34 ORDER BY seat_no`,
      [perf],
    );
    expect(rows).toEqual([
      { seat: 30, status: 1, hold: takeover.id },
      { seat: 31, status: 0, hold: null },
      { seat: 32, status: 1, hold: holds[1]!.id },
      { seat: 33, status: 1, hold: holds[2]!.id },
      { seat: 34, status: 0, hold: null },
    ]);
    const issued = await t.db.query(
      `SELECT count(*)::int AS n FROM issued_tickets WHERE performance_id = $1`,
      [perf],
    );
    expect(issued.rows[0].n).toBe(0);
  });

  it('when a refused buyer is told which seats are taken, then those sold and those in live holds, not free or expired ones', async () => {
    const { performanceId: perf } = await onSalePerformance(t, noQueue);
    const [a, b, c] = await Promise.all([buyer(t), buyer(t), buyer(t)]);
    const sold = newHold(perf, a.id, [40]);
    expect(await holdRepository.placeHold(sold)).toEqual({ outcome: 'held' });
    const order = await checkoutRepository.createOrder({
      holdId: sold.id,
      userId: a.id,
      key: randomUUID(),
      now: new Date(),
      claimUntil: new Date(Date.now() + 10_000),
    });
    expect(
      (await checkoutRepository.settlePaid(order!.order.id, new Date(), 'simulator', 'r', ['code-40']))
        .status,
    ).toBe('paid');
    expect(await holdRepository.placeHold(newHold(perf, b.id, [41]))).toEqual({ outcome: 'held' });
    expect(await holdRepository.placeHold(newHold(perf, c.id, [42], 500))).toEqual({ outcome: 'held' });
    await new Promise((r) => setTimeout(r, 600));
    expect(await holdRepository.unavailableSeats(perf, [39, 40, 41, 42], new Date())).toEqual([40, 41]);
  });
});
