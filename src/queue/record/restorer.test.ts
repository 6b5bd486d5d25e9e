import { pino } from 'pino';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createMemoryWaitingRoom } from '../../engine/waiting-room/memory.js';
import type { QueueRecord } from '../../engine/waiting-room/port.js';
import { AFTER_OPENING } from '../../engine/waiting-room/record.js';
import type { PerformanceRow } from '../../inventory/performance.js';
import { createQueueMetrics } from '../metrics.js';
import { PRUNE_EVERY_MS, QueueRestorer, RESTORED_GRACE_MS } from './restorer.js';

const now = Date.now();
const record: QueueRecord = {
  seq: 3,
  opened: true,
  drawn: true,
  admittedTotal: 0,
  entries: [1, 2, 3].map((seq) => ({
    userId: `u${seq}`,
    seq,
    state: 'waiting',
    place: AFTER_OPENING + seq,
    expiresAt: null,
  })),
};
const perf = (queuePaused: boolean) =>
  ({
    id: '42',
    queuePaused,
    salesCloseAt: new Date(now + 3_600_000),
    passTtlSeconds: 600,
    holdTtlSeconds: 600,
  }) as PerformanceRow;

function restorerOver(
  snapshot: () => Promise<QueueRecord>,
  prune: (at: Date) => Promise<number> = async () => 0,
) {
  const { ops: engine } = createMemoryWaitingRoom(() => ({ allowed: true, retryAfterMs: 0, remaining: 1 }), {
    now: () => now,
  });
  const restored: string[] = [];
  const restorer = new QueueRestorer({
    engine,
    repository: { progress: async () => new Map([['42', { seq: 3, admitted: 0 }]]), snapshot, prune },
    recorder: { restored: (_, entries) => restored.push(...entries.map((e) => e.userId)) },
    metrics: createQueueMetrics(new Registry()),
    logger: pino({ level: 'silent' }),
  });
  return { engine, restorer, restored };
}

describe('waiting room restorer', () => {
  it('when it restores a paused room, then the room is paused again before anyone could be admitted', async () => {
    const { engine, restorer } = restorerOver(async () => record);
    await restorer.refresh(['42'], now);
    expect(await restorer.check(perf(true), now, now - 60_000)).toBeUndefined();
    expect((await engine.queueStats('42', now)).paused).toBe(true);
    const opts = { max: 10, maxActive: 10, now, staleBefore: 0, passTtlMs: 1_000, until: now + 9e6 };
    expect((await engine.queueAdmit('42', opts)).admitted).toEqual([]);
  });

  it('when the engine has reached the record, then the stats it read are handed back for the round to reuse', async () => {
    const { engine, restorer } = restorerOver(async () => record);
    await restorer.refresh(['42'], now);
    await restorer.check(perf(false), now, now - 60_000);
    const stats = await restorer.check(perf(false), now, now - 60_000);
    expect(stats).toEqual(await engine.queueStats('42', now));
  });

  it('when restored waiters are not seen again within the grace, then they count as stale', async () => {
    const { engine, restorer } = restorerOver(async () => record);
    await restorer.refresh(['42'], now);
    await restorer.check(perf(false), now, now - 60_000);
    const opts = { max: 10, maxActive: 10, passTtlMs: 1_000, until: now + 9e6 };
    const late = now + RESTORED_GRACE_MS + 1;
    expect(await engine.queueAdmit('42', { ...opts, now: late, staleBefore: late - 60_000 })).toEqual({
      admitted: [],
      skipped: 3,
    });
  });

  it('when the restore fails, then check throws (the round skips the room)', async () => {
    const { restorer } = restorerOver(() => Promise.reject(new Error('database down')));
    await restorer.refresh(['42'], now);
    await expect(restorer.check(perf(false), now, now - 60_000)).rejects.toThrow('database down');
  });

  it('when a prune is still under way, then the refreshes do not wait for it, and no second one starts', async () => {
    const pruned: number[] = [];
    const { restorer } = restorerOver(
      async () => record,
      (at) => {
        pruned.push(at.getTime());
        return new Promise(() => undefined);
      },
    );
    await restorer.refresh(['42'], now);
    await restorer.refresh(['42'], now + PRUNE_EVERY_MS + 1);
    expect(pruned).toEqual([now]);
  });

  it('when a prune fails, then the next one is due PRUNE_EVERY_MS later, not at once', async () => {
    const pruned: number[] = [];
    const { restorer } = restorerOver(
      async () => record,
      async (at) => {
        pruned.push(at.getTime());
        throw new Error('database down');
      },
    );
    await restorer.refresh(['42'], now);
    await new Promise((r) => setImmediate(r));
    await restorer.refresh(['42'], now + PRUNE_EVERY_MS - 1);
    await restorer.refresh(['42'], now + PRUNE_EVERY_MS);
    expect(pruned).toEqual([now, now + PRUNE_EVERY_MS]);
  });
});
