import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buyer, modes, onSalePerformance, startTestApp, type TestApp } from '../../test/harness.js';
import { bookingViolations } from '../loadtest/invariants.js';
import { BookingRepository, type NewHold } from './repository.js';

/**
 * The batched PostgreSQL calls (docs/decisions/006), straight through the repository: calls made in
 * the same turn of the event loop go to PostgreSQL together, and each keeps its own outcome.
 */
describe.each(modes())('holds and settlements in one batch ($name)', (mode) => {
  let t: TestApp;
  let repository: BookingRepository;
  const noQueue = { queue: { enabled: false }, maxTicketsPerUser: 4 };

  beforeAll(async () => {
    t = await startTestApp(mode);
    repository = new BookingRepository(t.db);
  });
  afterAll(() => t.close());

  const newHold = (performanceId: string, userId: string, seatNos: number[], ttlMs = 300_000): NewHold => ({
    id: randomUUID(),
    userId,
    performanceId,
    seatNos,
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
    await repository.placeHold(newHold(perf, c.id, [90])); // already sold out, for d below
    const holds = [
      newHold(perf, a.id, [1, 2]),
      newHold(perf, b.id, [2, 3]), // seat 2 is a's, placed just before in the same batch
      newHold(perf, a.id, [4, 5, 6]), // a already has 2: over the cap of 4
      newHold(perf, a.id, [7, 8]), // a's 2 + 2 = 4: within the cap
      newHold(perf, d.id, [89, 90]), // 90 is c's
      newHold(perf, b.id, [999]), // no such seat
      newHold(perf, b.id, [10]),
    ];
    const outcomes = await Promise.all(holds.map((h) => repository.placeHold(h)));
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

  it('when settlements arrive together, then the live ones are sold with their codes, a lost one stays pending, and a settled one keeps its status', async () => {
    const { performanceId: perf } = await onSalePerformance(t, noQueue);
    const buyers = await Promise.all([buyer(t), buyer(t), buyer(t)]);
    const holds = [
      newHold(perf, buyers[0].id, [20, 21]),
      newHold(perf, buyers[1].id, [22]),
      newHold(perf, buyers[2].id, [23], 1_500), // expires before it is settled
    ];
    for (const h of holds) expect(await repository.placeHold(h)).toEqual({ outcome: 'held' });
    const orders = [];
    for (const h of holds) {
      const created = await repository.createOrder({
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
    const first = await repository.settlePaid(orders[1]!.id, new Date(), 'simulator', 'ref-b', codes(1));
    expect(first.status).toBe('paid');
    const settled = await Promise.all(
      orders.map((o, i) =>
        repository.settlePaid(o.id, new Date(), 'simulator', `ref-${i}`, codes(o.seatNos.length)),
      ),
    );
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
});
