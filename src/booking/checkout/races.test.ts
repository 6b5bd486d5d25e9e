import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keptLogger } from '../../../test/logs.js';
import { buyer, modes, onSalePerformance, startTestApp, type TestApp } from '../../../test/harness.js';
import { HookedPayments } from '../../../test/payments.js';
import { bookingViolations } from '../../loadtest/invariants.js';
import { PaymentTimeoutError, TEST_CARDS, type ChargeRequest, type ChargeResult } from '../payments.js';
import type { CheckoutRepository } from './repository.js';

type Headers = Record<string, string>;
const noQueue = { queue: { enabled: false } };
const PAYMENT_TIMEOUT_MS = 300;
/** As in checkout/service.ts: how long past the provider's timeout a charger's claim lasts. */
const CLAIM_MARGIN_MS = 5_000;

/** A provider that takes the money on this card but whose answer never arrives in time. */
const LATE_CARD = '4000000000000077';
class LateAnswers extends HookedPayments {
  /** The charge whose answer came too late, as the provider knows it. */
  lateRef = '';

  override async charge(req: ChargeRequest): Promise<ChargeResult> {
    if (req.card !== LATE_CARD) return super.charge(req);
    const taken = await super.charge({ ...req, card: TEST_CARDS.succeeds });
    if (taken.status === 'succeeded') this.lateRef = taken.ref;
    throw new PaymentTimeoutError('the answer came after the timeout');
  }
}

/**
 * Checkouts that meet (issue 23: the paths of checkout/service.ts no other test takes on purpose): a
 * second checkout of a hold while the first is charging, under another key or the same one; a retry
 * while the order's charger still holds its claim; a charge the provider made but answered too late.
 */
describe.each(modes())('checkouts that meet ($name)', (mode) => {
  let t: TestApp;
  const payments = new LateAnswers({ latencyMs: 400, timeoutMs: PAYMENT_TIMEOUT_MS * 10 });

  /** Warnings the app logged, parsed. */
  const warnings: { msg: string; orderId?: string; err?: { message: string } }[] = [];

  beforeAll(async () => {
    t = await startTestApp(mode, {
      payments,
      settings: { paymentTimeoutMs: PAYMENT_TIMEOUT_MS },
      logger: keptLogger('warn', warnings),
    });
  });
  afterAll(() => t.close());

  /** The checkout's own repository, for a test that makes one of its answers fail or race. */
  const checkoutRepository = () =>
    (t.checkout as unknown as { deps: { repository: CheckoutRepository } }).deps.repository;
  const holdSeat = async (perf: string, headers: Headers, seat: number) => {
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/performances/${perf}/holds`,
      headers,
      payload: { seatNos: [seat] },
    });
    expect(res.statusCode).toBe(201);
    return res.json<{ holdId: string }>().holdId;
  };
  const pay = (holdId: string, headers: Headers, key: string, card: string = TEST_CARDS.succeeds) =>
    t.app.inject({
      method: 'POST',
      url: `/api/holds/${holdId}/checkout`,
      headers: { ...headers, 'idempotency-key': key },
      payload: { payment: { card } },
    });
  /** Resolves when the provider is asked to charge (the first checkout is then mid-charge). */
  const charging = () =>
    new Promise<void>((resolve) => {
      payments.duringCharge = () => {
        payments.duringCharge = undefined;
        resolve();
      };
    });

  it('when a hold is checked out again while its first checkout is charging, then another key is told a checkout is in progress and the same key gets the first one’s order, charged once', async () => {
    const { performanceId: perf } = await onSalePerformance(t, noQueue);
    const alice = await buyer(t);
    const holdId = await holdSeat(perf, alice.headers, 3);
    const charges = payments.chargeCount;
    const started = charging();
    const first = pay(holdId, alice.headers, 'first');
    await started;
    const [otherKey, sameKey] = await Promise.all([
      pay(holdId, alice.headers, 'second'),
      pay(holdId, alice.headers, 'first'),
    ]);
    expect([otherKey.statusCode, otherKey.json().error]).toEqual([
      409,
      expect.objectContaining({ code: 'CHECKOUT_IN_PROGRESS', details: { holdId } }),
    ]);
    const firstAnswer = await first;
    expect(firstAnswer.statusCode).toBe(201);
    expect([sameKey.statusCode, sameKey.json().id]).toEqual([201, firstAnswer.json().id]);
    expect(payments.chargeCount).toBe(charges + 1);
    expect(await bookingViolations(t.db, perf)).toEqual([]);
  });

  it('when the order’s charger still holds its claim, then a retry waits as long as a charge may take before it is told a checkout is in progress, and takes the order over once the claim is given up', async () => {
    const { performanceId: perf } = await onSalePerformance(t, noQueue);
    const bob = await buyer(t);
    const holdId = await holdSeat(perf, bob.headers, 4);
    // The first checkout fails at the provider (not a timeout): its claim is given up.
    payments.duringCharge = () => {
      payments.duringCharge = undefined;
      throw new Error('the provider answered 503');
    };
    expect((await pay(holdId, bob.headers, 'k')).statusCode).toBe(500);
    const claimOf = async () =>
      (
        await t.db.query<{ until: Date | null; id: string }>(
          'SELECT charge_claimed_until AS until, id::text FROM orders WHERE hold_id = $1',
          [holdId],
        )
      ).rows[0]!;
    // Given up at once, not left to run out (it would last the provider's timeout and 5 s more).
    await expect
      .poll(async () => (await claimOf()).until === null || (await claimOf()).until! <= new Date(), {
        timeout: 2_500,
      })
      .toBe(true);
    // As if a charger on another node had claimed the order and not finished.
    const { id: orderId } = await claimOf();
    await t.db.query(`UPDATE orders SET charge_claimed_until = now() + interval '1 hour' WHERE id = $1`, [
      orderId,
    ]);
    const startedAt = Date.now();
    const waited = await pay(holdId, bob.headers, 'k');
    expect([waited.statusCode, waited.json().error]).toEqual([
      409,
      expect.objectContaining({ code: 'CHECKOUT_IN_PROGRESS', details: { orderId } }),
    ]);
    // A charge may take the provider's timeout; its claim lasts a margin longer; the wait one more.
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(PAYMENT_TIMEOUT_MS + 2 * CLAIM_MARGIN_MS - 100);
    // The claim given up: the retry asks the provider (nothing was charged) and charges once.
    await t.db.query(`UPDATE orders SET charge_claimed_until = NULL WHERE id = $1`, [orderId]);
    const charges = payments.chargeCount;
    // What the order's claim says while the retry charges: taken over, it is the retry's for as long
    // as a charge may take, so that no third request charges beside it.
    let claimWhileCharging: Promise<Date | null> | undefined;
    payments.duringCharge = () => {
      payments.duringCharge = undefined;
      claimWhileCharging = claimOf().then((c) => c.until);
    };
    const retriedAt = Date.now();
    const retried = await pay(holdId, bob.headers, 'k');
    expect([retried.statusCode, retried.json().id, retried.json().status]).toEqual([201, orderId, 'paid']);
    expect(payments.chargeCount).toBe(charges + 1);
    expect((await claimWhileCharging!)!.getTime()).toBeGreaterThanOrEqual(
      retriedAt + PAYMENT_TIMEOUT_MS + CLAIM_MARGIN_MS - 100,
    );
    expect(await bookingViolations(t.db, perf)).toEqual([]);
  }, 30_000);

  it('when PostgreSQL is cut off, then the checkout is told to come back (503), and a retry after a charge that was not settled settles it without charging again', async () => {
    const { performanceId: perf } = await onSalePerformance(t, noQueue);
    const dave = await buyer(t);
    const holdId = await holdSeat(perf, dave.headers, 6);
    const query = t.db.query.bind(t.db);
    /** The next statement that starts with `sql` fails as a PostgreSQL shutting down would fail it. */
    const cutOff = (sql: string) => {
      t.db.query = ((text: unknown, ...rest: unknown[]) => {
        if (typeof text === 'string' && text.startsWith(sql)) {
          t.db.query = query;
          return Promise.reject(Object.assign(new Error('terminating connection'), { code: '57P01' }));
        }
        return (query as (...args: unknown[]) => unknown)(text, ...rest);
      }) as typeof t.db.query;
    };
    try {
      // The order's insert: not a conflict with another checkout, so not "in progress".
      cutOff('WITH h AS MATERIALIZED');
      const refused = await pay(holdId, dave.headers, 'cut');
      expect([refused.statusCode, refused.json().error.code]).toEqual([503, 'UNAVAILABLE']);
      // The settlement, after the provider took the money.
      cutOff('SELECT settled FROM tmomi_settle_paid_many');
      const [charges, calls] = [payments.chargeCount, payments.chargeCalls];
      expect((await pay(holdId, dave.headers, 'cut')).statusCode).toBe(503);
      expect([payments.chargeCount, payments.chargeCalls]).toEqual([charges + 1, calls + 1]);
      // The retry finds the charge at the provider and settles it: no second call to charge.
      await expect
        .poll(async () => {
          const retried = await pay(holdId, dave.headers, 'cut');
          return [retried.statusCode, retried.json().status];
        })
        .toEqual([201, 'paid']);
      expect([payments.chargeCount, payments.chargeCalls]).toEqual([charges + 1, calls + 1]);
    } finally {
      t.db.query = query;
    }
    expect(await bookingViolations(t.db, perf)).toEqual([]);
  });

  it('when the provider took the money but answered after the timeout, then the money is given back and the seat stays on sale', async () => {
    const { performanceId: perf } = await onSalePerformance(t, noQueue);
    const carol = await buyer(t);
    const holdId = await holdSeat(perf, carol.headers, 5);
    const [charges, refunds] = [payments.chargeCount, payments.refundCount];
    const late = await pay(holdId, carol.headers, 'late', LATE_CARD);
    expect([late.statusCode, late.json().error.code]).toEqual([504, 'PAYMENT_TIMEOUT']);
    expect([payments.chargeCount, payments.refundCount]).toEqual([charges + 1, refunds + 1]);
    const { rows } = await t.db.query<{ status: string; amount: number }>(
      'SELECT status, amount FROM orders WHERE hold_id = $1',
      [holdId],
    );
    expect(rows.map((r) => r.status)).toEqual(['cancelled']);
    // All of it, of that charge.
    expect(payments.refundedOf(payments.lateRef)).toBe(rows[0]!.amount);
    expect(await bookingViolations(t.db, perf)).toEqual([]);
  });

  it('when the engine cannot be told of a payment, then the buyer still gets the tickets PostgreSQL issued, and the failure is logged with the order', async () => {
    const { performanceId: perf } = await onSalePerformance(t, noQueue);
    const erin = await buyer(t);
    const holdId = await holdSeat(perf, erin.headers, 7);
    const sellMany = t.engine.gateSellMany.bind(t.engine);
    t.engine.gateSellMany = () => Promise.reject(new Error('engine unreachable'));
    try {
      const paid = await pay(holdId, erin.headers, 'engine-down');
      expect([paid.statusCode, paid.json().status, paid.json().tickets.length]).toEqual([201, 'paid', 1]);
      expect(warnings).toContainEqual(
        expect.objectContaining({
          msg: 'engine update after payment failed',
          orderId: paid.json().id,
          err: expect.objectContaining({ message: 'engine unreachable' }),
        }),
      );
    } finally {
      t.engine.gateSellMany = sellMany;
    }
    expect(await bookingViolations(t.db, perf)).toEqual([]);
  });

  it('when the settlement finds the order settled by another request, then this one gives no refund of its own and tells the buyer what PostgreSQL says', async () => {
    const { performanceId: perf } = await onSalePerformance(t, noQueue);
    const frank = await buyer(t);
    const holdId = await holdSeat(perf, frank.headers, 8);
    // The checkout's own repository, answering as it does when another settler got there first
    // (a crashed charger's claim taken over): the status that request left, here still pending.
    const repository = checkoutRepository();
    const settlePaid = repository.settlePaid.bind(repository);
    repository.settlePaid = async () => ({ status: 'cancelled' });
    const [charges, refunds] = [payments.chargeCount, payments.refundCount];
    let answer;
    try {
      answer = await pay(holdId, frank.headers, 'raced');
    } finally {
      repository.settlePaid = settlePaid;
    }
    expect([payments.chargeCount, payments.refundCount]).toEqual([charges + 1, refunds]);
    const { id: orderId } = (
      await t.db.query<{ id: string }>('SELECT id::text FROM orders WHERE hold_id = $1', [holdId])
    ).rows[0]!;
    expect([answer.statusCode, answer.json().error]).toEqual([
      409,
      expect.objectContaining({ code: 'CHECKOUT_IN_PROGRESS', details: { orderId } }),
    ]);
    // Its claim given up, a retry finds the charge at the provider and settles it, charging nothing more.
    await t.db.query('UPDATE orders SET charge_claimed_until = NULL WHERE id = $1', [orderId]);
    const retried = await pay(holdId, frank.headers, 'raced');
    expect([retried.statusCode, retried.json().status]).toEqual([201, 'paid']);
    expect([payments.chargeCount, payments.refundCount]).toEqual([charges + 1, refunds]);
    expect(await bookingViolations(t.db, perf)).toEqual([]);
  });

  it('when the order’s insert loses to a checkout under the same key (a conflict on the hold), then the answer is that checkout’s order, charged once', async () => {
    const { performanceId: perf } = await onSalePerformance(t, noQueue);
    const gina = await buyer(t);
    const holdId = await holdSeat(perf, gina.headers, 9);
    const first = await pay(holdId, gina.headers, 'same');
    expect(first.statusCode).toBe(201);
    // As when two first checkouts under one key race: the loser's insert meets the winner's order on
    // the hold's unique index before it sees the key's.
    const repository = checkoutRepository();
    const createOrder = repository.createOrder.bind(repository);
    repository.createOrder = () =>
      Promise.reject(
        Object.assign(new Error('duplicate key'), {
          code: '23505',
          constraint: 'orders_one_pending_per_hold',
        }),
      );
    const charges = payments.chargeCalls;
    let again;
    try {
      again = await pay(holdId, gina.headers, 'same');
    } finally {
      repository.createOrder = createOrder;
    }
    expect([again.statusCode, again.json().id, again.json().status]).toEqual([201, first.json().id, 'paid']);
    expect(payments.chargeCalls).toBe(charges);
    expect(await bookingViolations(t.db, perf)).toEqual([]);
  });

  it('when a failed checkout cannot give up its claim (PostgreSQL away), then it asks again at doubling intervals up to 2 s, and stops, saying so, when the claim would have run out anyway', async () => {
    const { performanceId: perf } = await onSalePerformance(t, noQueue);
    const hana = await buyer(t);
    const holdId = await holdSeat(perf, hana.headers, 10);
    const repository = checkoutRepository();
    const releaseClaim = repository.releaseClaim.bind(repository);
    const asked: number[] = [];
    repository.releaseClaim = async () => {
      asked.push(Date.now());
      await new Promise((r) => setTimeout(r, 1));
      throw Object.assign(new Error('terminating connection'), { code: '57P01' });
    };
    payments.duringCharge = () => {
      payments.duringCharge = undefined;
      throw new Error('the provider answered 503');
    };
    warnings.length = 0;
    try {
      const failed = await pay(holdId, hana.headers, 'away');
      expect(failed.statusCode).toBe(500);
      const { id: orderId } = (
        await t.db.query<{ id: string }>('SELECT id::text FROM orders WHERE hold_id = $1', [holdId])
      ).rows[0]!;
      // The claim lasts the provider's timeout and a margin: 5.3 s here.
      await expect
        .poll(() => warnings.find((w) => w.msg.startsWith('could not give up')), { timeout: 15_000 })
        .toMatchObject({
          msg: 'could not give up a failed checkout’s claim; it runs out by itself',
          orderId,
          err: { message: 'terminating connection' },
        });
      const gaps = asked.slice(1).map((at, i) => at - asked[i]!);
      const expected = [100, 200, 400, 800, 1_600, 2_000];
      expect(gaps).toHaveLength(expected.length);
      gaps.forEach((gap, i) => {
        expect(gap).toBeGreaterThanOrEqual(expected[i]! - 5);
        expect(gap).toBeLessThan(expected[i]! + 500);
      });
    } finally {
      repository.releaseClaim = releaseClaim;
    }
  }, 30_000);
});
