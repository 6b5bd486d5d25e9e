import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modes, onSalePerformance, startTestApp, type TestApp } from '../../test/harness.js';
import type { WaitingRoom } from '../engine/waiting-room/port.js';
import { queueKeysUntil, type PerformanceCache } from '../inventory/performance-cache.js';
import { InventoryRepository } from '../inventory/repository.js';
import { draw } from './fairness.js';
import { LotteryService } from './lottery.js';
import { LotteryRepository } from './lottery-repository.js';

/**
 * How long a fifo room's opening takes with a large pre-queue (decision 031): the seal's read, the
 * draw recorded in PostgreSQL (hashing and sorting in Node inside its transaction), and the placement
 * in the engine, as the ticker's leader makes them. A rough figure for the decision, not a benchmark:
 * run by hand, `TMOMI_MEASURE_OPENING=1 npx vitest run src/queue/opening-cost.test.ts` (with
 * DATABASE_URL and REDIS_URL for the Redis engine too); skipped otherwise.
 */
const measuring = process.env.TMOMI_MEASURE_OPENING === '1';

describe.skipIf(!measuring).each(modes())('the opening of a large pre-queue ($name)', (mode) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(mode);
  });
  afterAll(() => t.close());

  for (const size of [10_000, 100_000]) {
    it(`when ${size.toLocaleString('en')} buyers wait in the pre-queue, then the opening takes this long`, async () => {
      const opensAt = Date.now() + 3 * 3600_000;
      const { performanceId } = await onSalePerformance(t, {
        salesOpenAt: new Date(opensAt).toISOString(),
        queue: { prequeueMinutes: 1440 },
      });
      const perf = (await new InventoryRepository(t.db).findPerformance(performanceId))!;
      const until = queueKeysUntil(perf);
      const users = Array.from({ length: size }, (_, i) => String(10_000_000 + i));
      for (let from = 0; from < size; from += 1_000) {
        await t.engine.queueJoinMany(perf.id, users.slice(from, from + 1_000), {
          now: opensAt - 1000,
          open: false,
          until,
        });
      }
      const took: Record<string, number> = {};
      const timed =
        <A extends unknown[], R>(name: string, fn: (...args: A) => Promise<R>) =>
        async (...args: A): Promise<R> => {
          const start = performance.now();
          try {
            return await fn(...args);
          } finally {
            took[name] = Math.round(performance.now() - start);
          }
        };
      const engine: Pick<WaitingRoom, 'queueDraw' | 'queueSeal' | 'queueStatus'> = {
        queueSeal: timed('seal', (p: string, u: number) => t.engine.queueSeal(p, u)),
        queueDraw: timed('place', t.engine.queueDraw.bind(t.engine)),
        queueStatus: t.engine.queueStatus.bind(t.engine),
      };
      const repository = new LotteryRepository(t.db);
      const service = new LotteryService({
        repository,
        performances: { get: async () => perf } as unknown as PerformanceCache,
        engine,
        clock: { now: () => opensAt + 1000 },
      });
      const start = performance.now();
      await service.drawIfDue(perf, opensAt + 1000);
      const total = Math.round(performance.now() - start);
      const hashStart = performance.now();
      const made = draw(Buffer.alloc(32, 7), users);
      const hashing = Math.round(performance.now() - hashStart);
      expect(made.userIds).toHaveLength(size);
      const admitted = await t.engine.queueAdmit(perf.id, {
        max: 5,
        maxActive: 5,
        now: opensAt + 2000,
        staleBefore: 0,
        passTtlMs: 60_000,
        until,
      });
      const { rows } = await t.db.query<{ order: string[] }>(
        'SELECT prequeue_order::text[] AS "order" FROM performance_fairness WHERE performance_id = $1',
        [perf.id],
      );
      expect(admitted.admitted.map((a) => a.userId)).toEqual(rows[0]!.order.slice(0, 5));
      const recorded = total - (took.seal ?? 0) - (took.place ?? 0);
      console.log(
        `[opening] ${mode.name} ${size}: total ${total} ms = seal ${took.seal} + PostgreSQL (hash, sort, ` +
          `record) ${recorded} + place ${took.place}; hashing and sorting alone ${hashing} ms`,
      );
    }, 600_000);
  }
});
