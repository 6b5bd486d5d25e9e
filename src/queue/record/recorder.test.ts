import { pino } from 'pino';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createMemoryWaitingRoom } from '../../engine/waiting-room/memory.js';
import { createQueueMetrics } from '../metrics.js';
import { QueueRecorder } from './recorder.js';
import { recordingRoom } from './recording-room.js';
import type { QueueRecordRepository, RecordRow } from './repository.js';

const silent = pino({ level: 'silent' });
const microtasks = async (n: number) => {
  for (let i = 0; i < n; i++) await Promise.resolve();
};

function recorderOver(write: (rows: readonly RecordRow[]) => Promise<void>) {
  const { ops: engine } = createMemoryWaitingRoom(() => ({ allowed: true, retryAfterMs: 0, remaining: 1 }), {
    now: () => Date.now(),
  });
  const recorder = new QueueRecorder({
    repository: { write } as Pick<QueueRecordRepository, 'write'> as QueueRecordRepository,
    engine,
    metrics: createQueueMetrics(new Registry()),
    logger: silent,
    gatherMs: 0,
  });
  return { engine, recorder };
}

describe('waiting room recorder', () => {
  it('when a fact is added as the writer ends, then it is written all the same', async () => {
    // The fact comes n microtasks after the writer's last statement: one of them falls between the
    // writer's finding the buffer empty and its end.
    for (let n = 0; n < 8; n++) {
      const written: string[] = [];
      let late = true;
      const { recorder } = recorderOver(async (rows) => {
        written.push(...rows.map((r) => r.userId));
        if (late) {
          late = false;
          void microtasks(n).then(() => recorder.ended('1', 'late', 2, 'left'));
        }
      });
      recorder.ended('1', 'first', 1, 'left');
      await recorder.flushed();
      await new Promise((r) => setTimeout(r, 5));
      await recorder.flushed();
      expect([n, written]).toEqual([n, ['first', 'late']]);
    }
  });

  it('when a leave is recorded, then flushed waits for its sequence to be read and written', async () => {
    const written: RecordRow[] = [];
    const { engine, recorder } = recorderOver(async (rows) => {
      written.push(...rows);
    });
    const room = recordingRoom(engine, recorder, silent);
    const now = Date.now();
    await room.queueJoin('1', 'u1', { now, open: true, until: now + 60_000 });
    await recorder.flushed();
    expect(await room.queueLeave('1', 'u1', now)).toBe(true);
    await recorder.flushed();
    expect(written.map((r) => [r.userId, r.seq, r.stage])).toEqual([
      ['u1', 1, 1],
      ['u1', 1, 4],
    ]);
  });
});
