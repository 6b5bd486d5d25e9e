import { afterAll, describe, expect, it } from 'vitest';
import { closeEngines, engineAdapters, queuePositions } from '../../../test/engines.js';
import type { Engine } from '../index.js';
import type { QueueRecord, RecordedEntry } from './port.js';
import { AFTER_OPENING } from './record.js';

afterAll(closeEngines);

const UNTIL = Date.now() + 24 * 60 * 60_000;
const PASS_TTL = 60_000;
let perfCounter = 0;
const newPerf = () => `rr${Date.now()}${++perfCounter}`;

const waiting = (seq: number): RecordedEntry => ({
  userId: `u${seq}`,
  seq,
  state: 'waiting',
  place: AFTER_OPENING + seq,
  expiresAt: null,
});
const recordOf = (n: number, more: Partial<QueueRecord> = {}): QueueRecord => ({
  seq: n,
  opened: true,
  drawn: false,
  admittedTotal: 0,
  entries: Array.from({ length: n }, (_, i) => waiting(i + 1)),
  ...more,
});
const admit = (engine: Engine, perf: string, now: number, max: number, staleBefore = 0) =>
  engine.queueAdmit(perf, { max, maxActive: 1_000, now, staleBefore, passTtlMs: PASS_TTL, until: UNTIL });

describe.each(engineAdapters())('waiting room restore, its runs and its merge: $name', (adapter) => {
  it('when a restore is cut short after its first run, then nobody is admitted, a join meanwhile is kept, and the next restore finishes it', async () => {
    const engine = await adapter.open();
    const perf = newPerf();
    const now = Date.now();
    // Three runs' worth; the first alone is written (a crash, a timeout).
    const record = recordOf(4_500);
    expect(await engine.queueRestore(perf, record, now, UNTIL, { runs: 1 })).toEqual([]);
    const cut = await engine.queueStats(perf, now);
    expect(cut).toMatchObject({ restoring: true, joined: 4_500 });
    expect(await admit(engine, perf, now, 10)).toEqual({ admitted: [], skipped: 0 });
    // The counts have reached the record's: only the marker says the restore is not done.
    // A recorded waiter the restore has not reached yet joins again: a new entry, newer than the record's.
    const again = await engine.queueJoin(perf, 'u4000', { now, open: true, until: UNTIL });
    expect(again.outcome === 'joined' && again.entry.seq).toBe(4_501);
    expect(await engine.queueRestore(perf, record, now, UNTIL)).toEqual([]);
    expect((await engine.queueStats(perf, now)).restoring).toBe(false);
    expect(await queuePositions(engine, perf, ['u1', 'u3999', 'u4001', 'u4500', 'u4000'], now)).toEqual([
      ['waiting', 1, 1],
      ['waiting', 3_999, 3_999],
      ['waiting', 4_001, 4_000],
      ['waiting', 4_500, 4_499],
      ['waiting', 4_501, 4_500],
    ]);
    expect((await admit(engine, perf, now, 2)).admitted.map((a) => a.userId)).toEqual(['u1', 'u2']);
    // Ended: nothing more to do.
    expect(await engine.queueRestore(perf, record, now, UNTIL)).toBeNull();
  });

  it('when restored waiters are marked seen long ago, then the ones not seen again are skipped when reached, and entries the engine skipped stay skipped', async () => {
    const engine = await adapter.open();
    const perf = newPerf();
    const t0 = Date.now();
    // The engine kept u1..u3 but skipped them as stale; it lost u4..u6.
    for (let i = 1; i <= 3; i++) await engine.queueJoin(perf, `u${i}`, { now: t0, open: true, until: UNTIL });
    expect((await admit(engine, perf, t0 + 1, 10, t0 + 1)).skipped).toBe(3);
    const now = t0 + 10;
    expect(await engine.queueRestore(perf, recordOf(6), now, UNTIL, { seenAt: now - 50_000 })).toEqual([]);
    // Read without marking them seen (a status, not the streams' observe).
    const status = async (u: string) => {
      const e = await engine.queueStatus(perf, u, now);
      return e && [e.state, e.seq, e.position];
    };
    expect([await status('u1'), await status('u4'), await status('u6')]).toEqual([
      ['expired', 1, null],
      ['waiting', 4, 1],
      ['waiting', 6, 3],
    ]);
    // u5 comes back (its stream reconnects); the others never do.
    await engine.queueTouch(perf, 'u5', now + 1_000);
    const later = now + 30_000;
    const round = await admit(engine, perf, later, 10, later - 60_000);
    expect(round.admitted.map((a) => a.userId)).toEqual(['u5']);
    expect(round.skipped).toBe(2);
  });

  it('when the engine drew but the record does not say so, then its recorded pre-queue entries come back as waiting and admission goes on', async () => {
    const engine = await adapter.open();
    const perf = newPerf();
    const now = Date.now();
    for (const u of ['u1', 'u2']) await engine.queueJoin(perf, u, { now, open: false, until: UNTIL });
    await engine.queueDraw(perf, ['u2', 'u1'], now, UNTIL, 'skip');
    const record: QueueRecord = {
      seq: 3,
      opened: true,
      drawn: false,
      admittedTotal: 0,
      entries: [
        { userId: 'u1', seq: 1, state: 'prequeue', place: 1, expiresAt: null },
        { userId: 'u2', seq: 2, state: 'prequeue', place: 2, expiresAt: null },
        waiting(3),
      ],
    };
    expect(await engine.queueRestore(perf, record, now, UNTIL)).toEqual([]);
    expect((await admit(engine, perf, now, 10)).admitted.map((a) => a.userId)).toEqual(['u1', 'u2', 'u3']);
  });
});
