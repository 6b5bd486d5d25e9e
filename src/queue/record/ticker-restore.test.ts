import { pino } from 'pino';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { TestClock } from '../../../test/harness.js';
import type { LeaderElector } from '../../engine/coordination/leader.js';
import { createEngine } from '../../engine/index.js';
import type { QueueRecord } from '../../engine/waiting-room/port.js';
import type { PerformanceRow } from '../../inventory/performance.js';
import type { InventoryRepository } from '../../inventory/repository.js';
import { createQueueMetrics } from '../metrics.js';
import { AdmissionTicker } from '../ticker.js';
import { QueueRestorer } from './restorer.js';

const start = Date.now();
const perf = {
  id: '77',
  seatCount: 100,
  salesOpenAt: new Date(start - 1_000),
  salesCloseAt: new Date(start + 3_600_000),
  holdTtlSeconds: 300,
  queueEnabled: true,
  prequeueMinutes: 0,
  queueMode: 'fifo',
  admitPerSecond: 100,
  maxActive: 100,
  passTtlSeconds: 60,
  queuePaused: false,
} as PerformanceRow;

/** A ticker over a memory engine whose room has three joins, and a record that says it had five. */
async function tickerWith(snapshot: () => Promise<QueueRecord>) {
  const clock = new TestClock(start);
  const engine = await createEngine({});
  const until = start + 9e6;
  for (const u of ['u1', 'u2', 'u3']) await engine.queueJoin(perf.id, u, { now: start, open: true, until });
  const metrics = createQueueMetrics(new Registry());
  const logger = pino({ level: 'silent' });
  const ticker = new AdmissionTicker({
    engine,
    inventory: {
      activeQueues: async () => [perf],
      isSoldOut: async () => false,
      addAdmissions: async () => undefined,
      keepFunnelCounts: async () => undefined,
    } as unknown as InventoryRepository,
    leader: {
      isLeader: true,
      start: () => undefined,
      stop: async () => undefined,
    } as unknown as LeaderElector,
    clock,
    metrics,
    logger,
    restorer: new QueueRestorer({
      engine,
      repository: {
        progress: async () => new Map([[perf.id, { seq: 5, admitted: 0 }]]),
        snapshot,
        prune: async () => 0,
      },
      recorder: { restored: () => undefined },
      metrics,
      logger,
    }),
  });
  return { engine, ticker };
}

describe('admission ticker and the restore', () => {
  it('when the restore check fails, then nobody is admitted in that room this round', async () => {
    const { engine, ticker } = await tickerWith(() => Promise.reject(new Error('database down')));
    await ticker.tick();
    expect((await engine.queueStats(perf.id, start)).admittedTotal).toBe(0);
    await engine.close();
  });

  it('when the restore succeeds, then the round admits from the restored line', async () => {
    const record: QueueRecord = {
      seq: 5,
      opened: true,
      drawn: true,
      admittedTotal: 0,
      entries: [4, 5].map((seq) => ({
        userId: `r${seq}`,
        seq,
        state: 'waiting' as const,
        place: -10 + seq,
        expiresAt: null,
      })),
    };
    const { engine, ticker } = await tickerWith(async () => record);
    await ticker.tick();
    const first = await engine.queueStatus(perf.id, 'r4', start);
    expect(first?.state).toBe('admitted');
    await engine.close();
  });
});
