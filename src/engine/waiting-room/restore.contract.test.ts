import { afterAll, describe, expect, it } from 'vitest';
import { closeEngines, engineAdapters, queuePositions } from '../../../test/engines.js';
import type { QueueRecord, RecordedEntry } from './port.js';
import { AFTER_OPENING } from './record.js';

afterAll(closeEngines);

const UNTIL = Date.now() + 24 * 60 * 60_000;
const PASS_TTL = 60_000;
let perfCounter = 0;
const newPerf = () => `r${Date.now()}${++perfCounter}`;

/**
 * A queue's life as the recorder writes it down: `n` arrivals after the opening (seq 1..n), the first
 * `admitted` holding passes, one who consumed theirs and one who left.
 */
function recordOf(n: number, admitted: number, now: number): QueueRecord {
  const entries: RecordedEntry[] = Array.from({ length: n }, (_, i) => {
    const seq = i + 1;
    const userId = `u${seq}`;
    if (i < admitted) return { userId, seq, state: 'admitted', place: 0, expiresAt: now + PASS_TTL };
    return { userId, seq, state: 'waiting', place: AFTER_OPENING + seq, expiresAt: null };
  });
  entries[0] = { ...entries[0]!, state: 'consumed', expiresAt: null };
  entries[n - 1] = { ...entries[n - 1]!, state: 'left', place: 0 };
  return { seq: n, opened: true, drawn: true, admittedTotal: admitted, entries };
}

describe.each(engineAdapters())('waiting room restore contract: $name', (adapter) => {
  it('when the engine has lost a recorded queue, then the restore puts back every place and pass, once', async () => {
    const engine = await adapter.open();
    const perf = newPerf();
    const now = Date.now();
    // More entries than one script call carries, so the runs are exercised.
    const record = recordOf(4_500, 20, now);
    expect((await engine.queueStats(perf, now)).joined).toBe(0);
    expect(await engine.queueRestore(perf, record, now, UNTIL)).toEqual([]);

    const users = record.entries.map((e) => e.userId);
    const seen = await queuePositions(engine, perf, users, now);
    expect(seen[0]).toEqual(['consumed', 1, null]);
    expect(seen[5]).toEqual(['admitted', 6, null]);
    expect(seen[20]).toEqual(['waiting', 21, 1]);
    expect(seen[4_498]).toEqual(['waiting', 4_499, 4_479]);
    expect(seen[4_499]).toEqual(['left', 4_500, null]);
    expect(await engine.queuePassActive(perf, 'u6', 6, now)).toBe(true);
    expect(await engine.queuePassActive(perf, 'u1', 1, now)).toBe(false);
    const stats = await engine.queueStats(perf, now);
    expect(stats).toMatchObject({
      waiting: 4_479,
      active: 19,
      admittedTotal: 20,
      joined: 4_500,
      opened: true,
    });

    // Restored already: a second restore (another node, the next tick) changes nothing.
    expect(await engine.queueRestore(perf, record, now, UNTIL)).toBeNull();
    expect((await engine.queueStats(perf, now)).waiting).toBe(4_479);
    // Admission goes on in the recorded order; a new arrival comes after the record.
    const next = await engine.queueAdmit(perf, {
      max: 2,
      maxActive: 1_000,
      now,
      staleBefore: 0,
      passTtlMs: PASS_TTL,
      until: UNTIL,
    });
    expect(next.admitted.map((a) => [a.userId, a.passId])).toEqual([
      ['u21', 21],
      ['u22', 22],
    ]);
    const late = await engine.queueJoin(perf, 'late', { now, open: true, until: UNTIL });
    expect(late.outcome === 'joined' && [late.entry.seq, late.entry.position]).toEqual([4_501, 4_478]);
  });

  it('when nothing was lost, or the record is empty, then the restore changes nothing', async () => {
    const engine = await adapter.open();
    const perf = newPerf();
    const now = Date.now();
    const empty: QueueRecord = { seq: 0, opened: false, drawn: false, admittedTotal: 0, entries: [] };
    expect(await engine.queueRestore(perf, empty, now, UNTIL)).toBeNull();
    expect((await engine.queueStats(perf, now)).version).toBe(0);
    for (const u of ['u1', 'u2', 'u3']) await engine.queueJoin(perf, u, { now, open: true, until: UNTIL });
    await engine.queueAdmit(perf, {
      max: 1,
      maxActive: 10,
      now,
      staleBefore: 0,
      passTtlMs: PASS_TTL,
      until: UNTIL,
    });
    expect(await engine.queueRestore(perf, recordOf(3, 1, now), now, UNTIL)).toBeNull();
    expect(await queuePositions(engine, perf, ['u1', 'u2', 'u3'], now)).toEqual([
      ['admitted', 1, null],
      ['waiting', 2, 1],
      ['waiting', 3, 2],
    ]);
  });

  it('when the engine made the same entries again but none of the admissions (a draw made anew), then it is restored', async () => {
    const engine = await adapter.open();
    const perf = newPerf();
    const now = Date.now();
    for (let i = 1; i <= 3; i++) await engine.queueJoin(perf, `u${i}`, { now, open: true, until: UNTIL });
    const record = recordOf(3, 2, now);
    expect(await engine.queueRestore(perf, record, now, UNTIL)).toEqual([]);
    expect(await queuePositions(engine, perf, ['u1', 'u2', 'u3'], now)).toEqual([
      ['consumed', 1, null],
      ['admitted', 2, null],
      ['left', 3, null],
    ]);
    expect(await engine.queueRestore(perf, record, now, UNTIL)).toBeNull();
  });

  it('when a failover lost only the last writes, then what the engine kept stays as it is (passes the record lacks, admissions it has as waiting), the lost entries come back, and admissions are not counted twice', async () => {
    const engine = await adapter.open();
    const perf = newPerf();
    const now = Date.now();
    // The promoted replica kept u1..u6 and three admissions (passes 1, 2, 3); the record, lagging, has
    // u1 still waiting, u2 admitted, no u3 or u6 at all, and u7, u8 that the replica lost.
    for (let i = 1; i <= 6; i++) await engine.queueJoin(perf, `u${i}`, { now, open: true, until: UNTIL });
    const passes = await engine.queueAdmit(perf, {
      max: 3,
      maxActive: 10,
      now,
      staleBefore: 0,
      passTtlMs: PASS_TTL,
      until: UNTIL,
    });
    const waiting = (seq: number): RecordedEntry => ({
      userId: `u${seq}`,
      seq,
      state: 'waiting',
      place: AFTER_OPENING + seq,
      expiresAt: null,
    });
    const u2 = passes.admitted[1]!;
    const record: QueueRecord = {
      seq: 8,
      opened: true,
      drawn: false,
      admittedTotal: 1,
      entries: [
        waiting(1),
        { userId: 'u2', seq: 2, state: 'admitted', place: 0, expiresAt: u2.expiresAt },
        ...[4, 5, 7, 8].map(waiting),
      ],
    };
    expect(await engine.queueRestore(perf, record, now, UNTIL)).toEqual([
      { userId: 'u6', seq: 14, state: 'waiting', place: AFTER_OPENING + 14, expiresAt: null },
    ]);
    for (const [user, pass] of [
      ['u1', 1],
      ['u2', 2],
      ['u3', 3],
    ] as const)
      expect(await engine.queuePassActive(perf, user, pass, now)).toBe(true);
    expect(await queuePositions(engine, perf, ['u4', 'u5', 'u7', 'u8', 'u6'], now)).toEqual([
      ['waiting', 4, 1],
      ['waiting', 5, 2],
      ['waiting', 7, 3],
      ['waiting', 8, 4],
      ['waiting', 14, 5],
    ]);
    expect(await engine.queueStats(perf, now)).toMatchObject({ waiting: 5, active: 3, admittedTotal: 3 });
  });

  it('when people joined after the loss, then they follow the record in their order, a recorded one gets their old place back, and nobody is in line twice', async () => {
    const engine = await adapter.open();
    const perf = newPerf();
    const now = Date.now();
    // After the wipe: a newcomer, then a recorded waiter who came back (a fresh entry, at the front).
    for (const u of ['new1', 'u30', 'new2'])
      await engine.queueJoin(perf, u, { now, open: true, until: UNTIL });
    const renumbered = await engine.queueRestore(perf, recordOf(50, 5, now), now, UNTIL);
    expect(renumbered).toEqual([
      { userId: 'new1', seq: 51, state: 'waiting', place: AFTER_OPENING + 51, expiresAt: null },
      { userId: 'new2', seq: 53, state: 'waiting', place: AFTER_OPENING + 53, expiresAt: null },
    ]);
    expect(await queuePositions(engine, perf, ['u6', 'u30', 'u49', 'new1', 'new2'], now)).toEqual([
      ['waiting', 6, 1],
      ['waiting', 30, 25],
      ['waiting', 49, 44],
      ['waiting', 51, 45],
      ['waiting', 53, 46],
    ]);
    const stats = await engine.queueStats(perf, now);
    expect(stats).toMatchObject({ waiting: 46, joined: 53 });
  });

  it('when the record has a sealed pre-queue not drawn yet, then it stays ahead of later arrivals until the draw places it', async () => {
    const engine = await adapter.open();
    const perf = newPerf();
    const now = Date.now();
    const record: QueueRecord = {
      seq: 3,
      opened: true,
      drawn: false,
      admittedTotal: 0,
      entries: [
        { userId: 'p1', seq: 1, state: 'prequeue', place: 1, expiresAt: null },
        { userId: 'p2', seq: 2, state: 'prequeue', place: 2, expiresAt: null },
        { userId: 'w3', seq: 3, state: 'waiting', place: AFTER_OPENING + 3, expiresAt: null },
      ],
    };
    await engine.queueRestore(perf, record, now, UNTIL);
    expect(await queuePositions(engine, perf, ['p1', 'w3'], now)).toEqual([
      ['prequeue', 1, null],
      ['waiting', 3, 3],
    ]);
    expect((await engine.queueSeal(perf, UNTIL)).sort()).toEqual(['p1', 'p2']);
    expect(await engine.queueDraw(perf, ['p2', 'p1'], now, UNTIL, 'skip')).toBe(2);
    expect(await queuePositions(engine, perf, ['p2', 'p1', 'w3'], now)).toEqual([
      ['waiting', 2, 1],
      ['waiting', 1, 2],
      ['waiting', 3, 3],
    ]);
  });

  it('when the record has a draw, then the drawn come first in the drawn order, the undrawn pre-queue next, later arrivals last', async () => {
    const engine = await adapter.open();
    const perf = newPerf();
    const now = Date.now();
    const record: QueueRecord = {
      seq: 4,
      opened: true,
      drawn: true,
      admittedTotal: 0,
      entries: [
        { userId: 'p1', seq: 1, state: 'waiting', place: 1, expiresAt: null },
        { userId: 'd2', seq: 2, state: 'waiting', place: -1, expiresAt: null },
        { userId: 'w3', seq: 3, state: 'waiting', place: AFTER_OPENING + 3, expiresAt: null },
        { userId: 'd4', seq: 4, state: 'waiting', place: -2, expiresAt: null },
      ],
    };
    await engine.queueRestore(perf, record, now, UNTIL);
    expect(await queuePositions(engine, perf, ['d4', 'd2', 'p1', 'w3'], now)).toEqual([
      ['waiting', 4, 1],
      ['waiting', 2, 2],
      ['waiting', 1, 3],
      ['waiting', 3, 4],
    ]);
    // Drawn already: no second draw.
    expect(await engine.queueDraw(perf, ['w3'], now, UNTIL, 'skip')).toBeNull();
  });
});
