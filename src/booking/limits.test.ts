import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buyer, modes, onSalePerformance, startTestApp, type TestApp } from '../../test/harness.js';
import { HOLD_LIMIT } from './holds/service.js';
import { TEST_CARDS } from './payments.js';
import { CHECKOUT_LIMIT } from './routes.js';

type Headers = Record<string, string>;

// Issue 16, item 13: nothing bounded how often one buyer could ask for holds or checkouts.
describe.each(modes())('per-buyer limits on holds and checkouts ($name)', (mode) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(mode);
  });
  afterAll(() => t.close());

  const hold = (perf: string, headers: Headers, body: object) =>
    t.app.inject({ method: 'POST', url: `/api/performances/${perf}/holds`, headers, payload: body });
  const checkout = (holdId: string, headers: Headers) =>
    t.app.inject({
      method: 'POST',
      url: `/api/holds/${holdId}/checkout`,
      headers: { ...headers, 'idempotency-key': randomUUID() },
      payload: { payment: { card: TEST_CARDS.succeeds } },
    });
  const expectLimited = (res: Awaited<ReturnType<typeof hold>>, windowMs: number) => {
    expect([res.statusCode, res.json().error.code]).toEqual([429, 'RATE_LIMITED']);
    const seconds = Number(res.headers['retry-after']);
    expect(seconds).toBeGreaterThanOrEqual(1);
    expect(seconds).toBeLessThanOrEqual(windowMs / 1000);
    expect(res.json().error.details).toEqual({ retryAfterSeconds: seconds });
  };

  it(`when a buyer asks for hold number ${HOLD_LIMIT.max + 1} within the window, then 429 RATE_LIMITED with Retry-After, nothing held, and another buyer is not affected`, async () => {
    const { performanceId } = await onSalePerformance(t, { queue: { enabled: false } });
    const eager = await buyer(t);
    // Every request the gate sees counts, placed or refused: one hold, then the same seat again.
    expect((await hold(performanceId, eager.headers, { seatNos: [0] })).statusCode).toBe(201);
    for (let i = 1; i < HOLD_LIMIT.max; i++) {
      const again = await hold(performanceId, eager.headers, { seatNos: [0] });
      expect(again.json().error.code).toBe('SEAT_UNAVAILABLE');
    }
    const limited = await hold(performanceId, eager.headers, { seatNos: [1] });
    expectLimited(limited, HOLD_LIMIT.windowMs);
    const heldSeats = await t.db.query<{ seat_no: number }>(
      'SELECT seat_no FROM tickets WHERE performance_id = $1 AND status <> 0 ORDER BY seat_no',
      [performanceId],
    );
    expect(heldSeats.rows.map((r) => r.seat_no)).toEqual([0]);
    // By grade too: the limit is the buyer's, whatever the request.
    expectLimited(await hold(performanceId, eager.headers, { grade: 'R', quantity: 1 }), HOLD_LIMIT.windowMs);

    const other = await buyer(t);
    expect((await hold(performanceId, other.headers, { seatNos: [1] })).statusCode).toBe(201);
  });

  it(`when a buyer attempts checkout number ${CHECKOUT_LIMIT.max + 1} within the window, then 429 RATE_LIMITED with Retry-After before anything is charged, and another buyer is not affected`, async () => {
    const { performanceId } = await onSalePerformance(t, { queue: { enabled: false } });
    const eager = await buyer(t);
    // Attempts on holds that do not exist count as much as any.
    for (let i = 0; i < CHECKOUT_LIMIT.max; i++)
      expect((await checkout(randomUUID(), eager.headers)).json().error.code).toBe('HOLD_NOT_FOUND');
    const held = await hold(performanceId, eager.headers, { seatNos: [5] });
    expect(held.statusCode).toBe(201);
    expectLimited(await checkout(held.json().holdId, eager.headers), CHECKOUT_LIMIT.windowMs);
    const orders = await t.db.query('SELECT 1 FROM orders WHERE hold_id = $1', [held.json().holdId]);
    expect(orders.rowCount).toBe(0);

    const other = await buyer(t);
    const theirs = await hold(performanceId, other.headers, { seatNos: [6] });
    expect((await checkout(theirs.json().holdId, other.headers)).statusCode).toBe(201);
  });
});
