import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { Db } from '../platform/db.js';
import { CheckoutRepository } from './checkout/repository.js';
import { HoldRepository, type NewHold } from './holds/repository.js';
import { createBookingMetrics } from './metrics.js';

/**
 * What the batched repositories do with PostgreSQL's answers that a test database does not give on
 * demand: a deadlock victim, the seat guard's own SQLSTATE, any other failure — and how they cut a batch
 * into rounds. The pool is a script: each query gets the next answer, and every call is recorded.
 */
type Answer = { rows: unknown[] } | { fail: { code: string; constraint?: string } };

function scriptedDb(answers: Answer[]) {
  const calls: { text: string; values: unknown[] }[] = [];
  const db = {
    query: async (text: string, values: unknown[]) => {
      calls.push({ text, values });
      const answer = answers.shift();
      if (!answer) throw new Error(`no answer scripted for call ${calls.length}: ${text}`);
      if ('fail' in answer) throw Object.assign(new Error(`SQLSTATE ${answer.fail.code}`), answer.fail);
      return { rows: answer.rows };
    },
  };
  return { db: db as unknown as Db, calls };
}

const hold = (userId: string, seatNos: number[]): NewHold => ({
  id: `hold-${userId}-${seatNos.join('-')}`,
  userId,
  performanceId: '7',
  seatNos,
  seatPrices: seatNos.map(() => 10_000),
  amount: 10_000 * seatNos.length,
  currency: 'KRW',
  expiresAt: new Date(Date.now() + 60_000),
  now: new Date(),
  cap: 4,
  passId: null,
  requestKey: null,
});
const held = { outcome: 1, detail: null };

describe('the hold repository against PostgreSQL failures', () => {
  it.each([
    ['a deadlock victim (40P01)', '40P01'],
    ["the seat guard's own refusal (TM001)", 'TM001'],
  ])('when the hold function fails as %s, then the hold is refused, not an error', async (_, code) => {
    const { db } = scriptedDb([{ fail: { code } }]);
    const repository = new HoldRepository({ db });
    await expect(repository.placeHold(hold('1', [1]))).resolves.toEqual({ outcome: 'refused' });
  });

  it('when the hold function fails any other way, then that error reaches the caller', async () => {
    const { db } = scriptedDb([{ fail: { code: '57014' } }]); // statement timeout
    const repository = new HoldRepository({ db });
    await expect(repository.placeHold(hold('1', [1]))).rejects.toMatchObject({ code: '57014' });
  });

  it("when the buyer's account is deleted under the hold (the holds' user key), then the session has ended; another key's violation is an error", async () => {
    const deleted = scriptedDb([{ fail: { code: '23503', constraint: 'holds_user_id_fkey' } }]);
    await expect(new HoldRepository({ db: deleted.db }).placeHold(hold('1', [1]))).rejects.toMatchObject({
      code: 'SESSION_ENDED',
    });
    const other = scriptedDb([{ fail: { code: '23503', constraint: 'holds_performance_id_fkey' } }]);
    await expect(new HoldRepository({ db: other.db }).placeHold(hold('1', [1]))).rejects.toMatchObject({
      code: '23503',
    });
  });

  it('when holds arrive together, then one buyer’s two holds and two holds of one seat go in separate rounds, the rest in one, counted as "place" batches', async () => {
    const { db, calls } = scriptedDb([{ rows: [held, held] }, { rows: [held, held] }]);
    const metrics = createBookingMetrics(new Registry());
    const repository = new HoldRepository({ db, metrics });
    const outcomes = await Promise.all([
      repository.placeHold(hold('1', [1, 2])),
      repository.placeHold(hold('2', [3])),
      repository.placeHold(hold('1', [4])), // buyer 1 again: their cap must see the first hold
      repository.placeHold(hold('3', [2])), // seat 2 again: the guard must see the first hold
    ]);
    expect(outcomes).toEqual(Array(4).fill({ outcome: 'held' }));
    // Each round one call, holding the ids of its holds in the order they came.
    expect(calls.map((c) => c.values[0])).toEqual([
      ['hold-1-1-2', 'hold-2-3'],
      ['hold-1-4', 'hold-3-2'],
    ]);
    const { values } = await metrics.dbBatchSize.get();
    const count = values.find((v) => v.metricName === 'tmomi_booking_db_batch_size_count');
    expect(count).toMatchObject({ labels: { call: 'place' }, value: 1 });
  });
});

describe('the checkout repository against PostgreSQL failures', () => {
  const paid = { settled: { status: 'paid', tickets: [{ id: '9', seatNo: 1 }] } };
  const charged = { orderId: '5', now: new Date(), provider: 'test', ref: 'ref-1', codes: ['c1'] };

  it('when a settlement is a deadlock victim, then it is settled again at once, the same call', async () => {
    const { db, calls } = scriptedDb([{ fail: { code: '40P01' } }, { rows: [paid] }]);
    const metrics = createBookingMetrics(new Registry());
    const repository = new CheckoutRepository({ db, metrics });
    await expect(
      repository.settlePaid(charged.orderId, charged.now, charged.provider, charged.ref, charged.codes),
    ).resolves.toEqual(paid.settled);
    expect(calls).toHaveLength(2);
    expect(calls[1]).toEqual(calls[0]);
    const { values } = await metrics.dbBatchSize.get();
    expect(values.find((v) => v.metricName === 'tmomi_booking_db_batch_size_count')).toMatchObject({
      labels: { call: 'settle' },
    });
  });

  it('when orders arrive together, then two of one key and two for one hold go in separate rounds, the rest in one, counted as "order" batches', async () => {
    const row = (userId: string, key: string) => ({ id: `${userId}-${key}`, userId, idempotencyKey: key });
    const { db, calls } = scriptedDb([
      { rows: [row('1', 'k1'), row('1', 'k1b'), row('4', 'k4')] },
      { rows: [row('2', 'k2')] },
    ]);
    const metrics = createBookingMetrics(new Registry());
    const repository = new CheckoutRepository({ db, metrics });
    const order = (holdId: string, userId: string, key: string) =>
      repository.createOrder({ holdId, userId, key, now: new Date(), claimUntil: new Date() });
    const created = await Promise.all([
      order('h1', '1', 'k1'),
      order('h2', '1', 'k1b'),
      order('h1', '2', 'k2'), // hold h1 again: the second must see the first order committed
      order('h4', '4', 'k4'),
    ]);
    expect(created.map((c) => c?.order.id)).toEqual(['1-k1', '1-k1b', '2-k2', '4-k4']);
    expect(calls.map((c) => c.values[0])).toEqual([['h1', 'h2', 'h4'], ['h1']]);
    // The same key of one buyer twice: never in one round either.
    const twice = scriptedDb([{ rows: [row('1', 'k')] }, { rows: [] }, { rows: [row('1', 'k')] }]);
    const again = new CheckoutRepository({ db: twice.db });
    const replies = await Promise.all(
      ['h1', 'h2'].map((holdId) =>
        again.createOrder({ holdId, userId: '1', key: 'k', now: new Date(), claimUntil: new Date() }),
      ),
    );
    expect(replies.map((r) => r?.created)).toEqual([true, false]);
    // The second finds the first one's order under the key (the buyer's id is the lookup's first value).
    expect(twice.calls.map((c) => c.values[0])).toEqual([['h1'], ['h2'], '1']);
    const { values } = await metrics.dbBatchSize.get();
    expect(values.find((v) => v.metricName === 'tmomi_booking_db_batch_size_count')).toMatchObject({
      labels: { call: 'order' },
      value: 1,
    });
  });

  it('when a settlement fails any other way, then it is not tried again and the error reaches the caller', async () => {
    const { db, calls } = scriptedDb([{ fail: { code: '57014' } }, { rows: [paid] }]);
    const repository = new CheckoutRepository({ db });
    await expect(
      repository.settlePaid(charged.orderId, charged.now, charged.provider, charged.ref, charged.codes),
    ).rejects.toMatchObject({ code: '57014' });
    expect(calls).toHaveLength(1);
  });
});
