import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { closeEngines, engineAdapters } from '../../../test/engines.js';
import { TestClock } from '../../../test/harness.js';
import type { Engine } from '../index.js';
import type { JoinResult } from './port.js';

afterAll(closeEngines);

const PASS_TTL = 60_000;
/** Far enough ahead that no test but the expiry ones sees a queue expire. */
const UNTIL = Date.now() + 24 * 60 * 60_000;
let perfCounter = 0;
const newPerf = () => `${Date.now()}${++perfCounter}`;

/** Admits with generous defaults: everyone seen recently, no ceiling unless given. */
const admit = (
  engine: Engine,
  perf: string,
  now: number,
  opts: { max: number; maxActive?: number; staleBefore?: number },
) =>
  engine.queueAdmit(perf, {
    max: opts.max,
    maxActive: opts.maxActive ?? 1_000_000,
    now,
    staleBefore: opts.staleBefore ?? 0,
    passTtlMs: PASS_TTL,
    until: UNTIL,
  });

/**
 * A full garbage collection, then the heap in use: the only way to see whether the memory engine still
 * holds a queue that no call will ever read again. `gc` is exposed on first use, not for every test.
 */
let gc: (() => void) | undefined;
const heapAfterGc = () => {
  if (!gc) {
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as () => void;
  }
  gc();
  return process.memoryUsage().heapUsed;
};

/** Joins with no limit: always an entry. */
const join = async (engine: Engine, perf: string, userId: string, opts: { now: number; open: boolean }) => {
  const result = await engine.queueJoin(perf, userId, { ...opts, until: UNTIL });
  if (result.outcome !== 'joined') throw new Error(`join answered ${result.outcome}`);
  return result.entry;
};

/**
 * The opening as src/queue/lottery.ts makes it: the pre-queue sealed, then placed by a draw; here in
 * arrival order (the draw's own order is the service's, src/queue/fairness.ts). How many it placed.
 */
const open = async (engine: Engine, perf: string, now: number, until = UNTIL) =>
  engine.queueDraw(perf, await engine.queueSeal(perf, until), now, until, 'skip');

describe.each(engineAdapters())('waiting room contract: $name', (adapter) => {
  it('when 5,000 users join at once, then positions are exactly 1..5,000 and re-joins return the same entry', async () => {
    const engine = await adapter.open();
    const perf = newPerf();
    const now = Date.now();
    const users = Array.from({ length: 5_000 }, (_, i) => `u${i}`);
    const entries = await Promise.all(users.map((u) => join(engine, perf, u, { now, open: true })));
    const positions = entries.map((e) => e.position!).sort((a, b) => a - b);
    expect(positions).toEqual(users.map((_, i) => i + 1));
    expect(new Set(entries.map((e) => e.seq)).size).toBe(5_000);
    expect(entries.every((e) => e.state === 'waiting')).toBe(true);

    const again = await Promise.all(
      users.slice(0, 500).map((u) => join(engine, perf, u, { now, open: true })),
    );
    again.forEach((entry, i) => expect(entry).toEqual(entries[i]));
    expect((await engine.queueStats(perf, now)).waiting).toBe(5_000);
  });

  it('when users arrive before opening, then the seal gives them all in arrival order, later arrivals wait behind them, and the draw places them in its order', async () => {
    const engine = await adapter.open();
    const perf = newPerf();
    const now = Date.now();
    const early = Array.from({ length: 200 }, (_, i) => `early${i}`);
    for (const u of early) {
      const entry = await join(engine, perf, u, { now, open: false });
      expect(entry).toMatchObject({ state: 'prequeue', position: null });
    }
    expect(await engine.queueLeave(perf, 'early199', now)).toBe(true);
    // Back before the opening: a new arrival, at the end of the pre-queue.
    expect(await engine.queueLeave(perf, 'early5', now)).toBe(true);
    await join(engine, perf, 'early5', { now, open: false });
    const arrived = [...early.slice(0, 199).filter((u) => u !== 'early5'), 'early5'];

    // The first join after opening seals the pre-queue itself, even if the opening has not been made:
    // the 199 still to be placed are counted ahead of it.
    const late = Array.from({ length: 100 }, (_, i) => `late${i}`);
    for (const [i, u] of late.entries()) {
      expect(await join(engine, perf, u, { now, open: true })).toMatchObject({ position: 200 + i });
    }
    // A join whose node's clock still says "not open" is an arrival after the opening all the same.
    expect(await join(engine, perf, 'lagging', { now, open: false })).toMatchObject({
      state: 'waiting',
      position: 300,
    });
    expect(await engine.queueStatus(perf, 'early0', now)).toMatchObject({
      state: 'prequeue',
      position: null,
    });
    expect(await engine.queueStats(perf, now)).toMatchObject({ waiting: 300, opened: true, prequeued: 201 });
    // Nobody is let in before the pre-queue is placed: they go first.
    expect(await admit(engine, perf, now, { max: 10 })).toEqual({ admitted: [], skipped: 0 });

    const sealed = await engine.queueSeal(perf, UNTIL);
    expect(sealed).toEqual(arrived);
    expect(await engine.queueSeal(perf, UNTIL)).toEqual(arrived); // again: the same list

    const drawn = [...sealed].reverse();
    expect(await engine.queueDraw(perf, drawn, now, UNTIL, 'skip')).toBe(199);
    const positions = async (users: string[]) =>
      Promise.all(users.map(async (u) => (await engine.queueStatus(perf, u, now))!.position));
    expect(await positions(drawn)).toEqual(drawn.map((_, i) => i + 1));
    expect(await positions([...late, 'lagging'])).toEqual([...late, 'lagging'].map((_, i) => 200 + i));
    expect(await engine.queueStatus(perf, 'early199', now)).toMatchObject({ state: 'left' });
    expect(await engine.queueSeal(perf, UNTIL)).toEqual([]); // placed: nobody left in the pre-queue
    const { admitted } = await admit(engine, perf, now, { max: 201 });
    expect(admitted.map((a) => a.userId)).toEqual([...drawn, 'late0', 'late1']);
  });

  it("when the pre-queue's draw names someone who left, then they stay out; one not named follows the drawn in arrival order", async () => {
    const engine = await adapter.open();
    const perf = newPerf();
    const now = Date.now();
    await engine.queueJoinMany(perf, ['p0', 'p1', 'p2', 'p3', 'p4'], { now, open: false, until: UNTIL });
    const sealed = await engine.queueSeal(perf, UNTIL);
    // After the seal: p1 leaves for good; p2 leaves and comes back, now an arrival after the opening.
    await engine.queueLeave(perf, 'p1', now);
    await engine.queueLeave(perf, 'p2', now);
    expect(await join(engine, perf, 'p2', { now, open: false })).toMatchObject({
      state: 'waiting',
      position: 4,
    });
    await join(engine, perf, 'late', { now, open: true });
    expect(await engine.queueSeal(perf, UNTIL)).toEqual(['p0', 'p3', 'p4']);
    // The draw made from the first read names p1 and p2, not p4 (as if p4 were missed).
    expect(sealed).toEqual(['p0', 'p1', 'p2', 'p3', 'p4']);
    expect(await engine.queueDraw(perf, ['p3', 'p1', 'p2', 'p0'], now, UNTIL, 'skip')).toBe(4);
    // The pre-queue the draw did not name waits behind the drawn, ahead of the later arrivals.
    expect(await engine.queueStatus(perf, 'p4', now)).toMatchObject({ state: 'waiting', position: 4 });
    const order = (await admit(engine, perf, now, { max: 10 })).admitted.map((a) => a.userId);
    expect(order).toEqual(['p3', 'p2', 'p0', 'p4', 'late']);
    expect(await engine.queueStatus(perf, 'p1', now)).toMatchObject({ state: 'left' });
    expect(await engine.queueStats(perf, now)).toMatchObject({ waiting: 0, admittedTotal: 5 });
  });

  it('when the node opening the queue dies between the seal and the placement, then another node seals again, gets the same users, and places each once', async () => {
    const engine = await adapter.open();
    const other = await adapter.peer(engine);
    const perf = newPerf();
    const now = Date.now();
    const early = Array.from({ length: 40 }, (_, i) => `p${i}`);
    await engine.queueJoinMany(perf, early, { now, open: false, until: UNTIL });
    const first = await engine.queueSeal(perf, UNTIL);
    // …and that node is gone. Joins go on meanwhile, on the other node, behind the pre-queue.
    await other.queueJoinMany(perf, ['late0', 'p7', 'late1'], { now, open: true, until: UNTIL });
    const again = await other.queueSeal(perf, UNTIL);
    expect(again).toEqual(first);
    const drawn = [...again].sort().reverse();
    // Both placing at once (the dead node's retry racing the other's): one placement.
    const placed = await Promise.all([
      other.queueDraw(perf, drawn, now, UNTIL, 'skip'),
      engine.queueDraw(perf, drawn, now, UNTIL, 'skip'),
    ]);
    expect(placed.filter((n) => n !== null)).toEqual([40]);
    const order = (await admit(engine, perf, now, { max: 100 })).admitted.map((a) => a.userId);
    expect(order).toEqual([...drawn, 'late0', 'late1']);
  });

  it('when joins arrive together, then each gets what joining one after another, in order, would have given', async () => {
    const engine = await adapter.open();
    const now = Date.now();
    const limit = { max: 2, windowMs: 60_000 };
    // The same history in two queues: one takes the batch one call at a time, the other in one call;
    // both must give what the contract says, worked out by hand below.
    const [oneByOne, together] = [newPerf(), newPerf()];
    for (const perf of [oneByOne, together]) {
      for (const u of ['waiting', 'admitted', 'left', 'flooder'])
        await engine.queueJoin(perf, u, { now, open: true, limit, until: UNTIL }); // seq 1..4, one call each
      await engine.queueLeave(perf, 'left', now);
      await admit(engine, perf, now, { max: 1 }); // 'waiting' is first in line: it holds pass 1
    }
    const batch = ['new1', 'admitted', 'new1', 'left', 'flooder', 'waiting', 'flooder', 'new2', 'flooder'];
    const opts = { now: now + 1, open: true, limit, until: UNTIL };
    const waitingAt = (seq: number, position: number): JoinResult => ({
      outcome: 'joined',
      entry: { state: 'waiting', seq, position, pass: null, closed: null, paused: false },
    });
    // Ahead of everyone new: 'admitted' (seq 2) and 'flooder' (seq 4); 'left' comes back as a new entry.
    const expected: JoinResult[] = [
      waitingAt(5, 3), // new1: a new entry at the back
      waitingAt(2, 1), // admitted: its own entry, first in line
      waitingAt(5, 3), // new1 again: the same entry, its second call
      waitingAt(6, 4), // left: finished, so a new entry at the back
      waitingAt(4, 2), // flooder: its second call, still within the limit
      {
        outcome: 'joined',
        entry: {
          state: 'admitted',
          seq: 1,
          position: null,
          pass: { passId: 1, expiresAt: now + PASS_TTL },
          closed: null,
          paused: false,
        },
      },
      { outcome: 'limited', retryAfterMs: 0 }, // flooder's third call: over the limit of 2
      waitingAt(7, 5), // new2
      { outcome: 'limited', retryAfterMs: 0 },
    ];
    // The window started at the first join above, a moment ago: what is left of its 60 s.
    const retryAfter = (rs: JoinResult[]) =>
      rs.map((r) => (r.outcome === 'limited' ? r.retryAfterMs : null)).filter((ms) => ms !== null);
    const withoutRetry = (rs: JoinResult[]) =>
      rs.map((r) => (r.outcome === 'limited' ? { ...r, retryAfterMs: 0 } : r));

    const versionBefore = (await engine.queueStats(together, now)).version;
    const results = await engine.queueJoinMany(together, batch, opts);
    const sequential = [];
    for (const u of batch) sequential.push(await engine.queueJoin(oneByOne, u, opts));
    for (const rs of [results, sequential]) {
      expect(withoutRetry(rs)).toEqual(expected);
      for (const ms of retryAfter(rs)) {
        expect(ms).toBeGreaterThan(50_000);
        expect(ms).toBeLessThanOrEqual(60_000);
      }
    }
    for (const perf of [oneByOne, together]) {
      const { version: _, ...stats } = await engine.queueStats(perf, now + 1);
      expect(stats).toEqual({
        waiting: 5,
        active: 1,
        admittedTotal: 1,
        // Seven entries ('left' came back as a new one), none before the opening; one left.
        joined: 7,
        prequeued: 0,
        left: 1,
        passesExpired: 0,
        opened: true,
        closed: null,
        paused: false,
        restoring: false,
      });
    }
    // Two new entries changed the order: other nodes must be able to notice.
    expect((await engine.queueStats(together, now + 1)).version).toBeGreaterThan(versionBefore);
    // Each user's allowance is used up as by the calls one at a time: new2 has one call left, then none.
    expect(withoutRetry(await engine.queueJoinMany(together, ['new2', 'new2', 'new2'], opts))).toEqual([
      waitingAt(7, 5),
      { outcome: 'limited', retryAfterMs: 0 },
      { outcome: 'limited', retryAfterMs: 0 },
    ]);
    expect(await engine.queueJoinMany(together, [], opts)).toEqual([]);
  });

  it('when joins arrive together around the opening, then the pre-queue is sealed ahead of them and they keep their order', async () => {
    const engine = await adapter.open();
    const perf = newPerf();
    const now = Date.now();
    const early = Array.from({ length: 50 }, (_, i) => `early${i}`);
    const before = await engine.queueJoinMany(perf, early, { now, open: false, until: UNTIL });
    expect(before.every((r) => r.outcome === 'joined' && r.entry.state === 'prequeue')).toBe(true);
    const late = Array.from({ length: 200 }, (_, i) => `late${i}`);
    const after = await engine.queueJoinMany(perf, [...late, 'early3'], { now, open: true, until: UNTIL });
    // The pre-queue's 50 are counted ahead of the batch; early3 keeps its pre-queue entry.
    const early3 = (await engine.queueStatus(perf, 'early3', now))!;
    expect(early3).toMatchObject({ state: 'prequeue', seq: 4, position: null });
    expect(after.map((r) => r.outcome === 'joined' && r.entry.position)).toEqual([
      ...late.map((_, i) => 51 + i),
      null,
    ]);
    expect(after.at(-1)).toEqual({ outcome: 'joined', entry: early3 });
    const seqs = after.map((r) => (r.outcome === 'joined' ? r.entry.seq : 0));
    expect(seqs.slice(0, 200)).toEqual(late.map((_, i) => 51 + i));
    expect(await open(engine, perf, now)).toBe(50);
    const earlyPositions = await Promise.all(
      early.map(async (u) => (await engine.queueStatus(perf, u, now))!.position!),
    );
    expect(earlyPositions).toEqual(early.map((_, i) => i + 1));
    expect((await engine.queueStatus(perf, 'late0', now))!.position).toBe(51);
    expect((await engine.queueStats(perf, now)).waiting).toBe(250);
  });

  it('when joins arrive together at a closed queue, then each is refused, and each still counts against its limit', async () => {
    const engine = await adapter.open();
    const perf = newPerf();
    const now = Date.now();
    const limit = { max: 1, windowMs: 60_000 };
    await engine.queueClose(perf, 'sold-out', UNTIL);
    const refused = await engine.queueJoinMany(perf, ['a', 'b', 'a'], {
      now,
      open: true,
      limit,
      until: UNTIL,
    });
    expect(refused.slice(0, 2)).toEqual([
      { outcome: 'closed', reason: 'sold-out' },
      { outcome: 'closed', reason: 'sold-out' },
    ]);
    // a's window began with its first call, just now: nearly all of its minute is left.
    const limited = refused[2]!;
    expect(limited.outcome).toBe('limited');
    expect(limited.outcome === 'limited' && limited.retryAfterMs).toBeGreaterThan(50_000);
    expect(limited.outcome === 'limited' && limited.retryAfterMs).toBeLessThanOrEqual(60_000);
    await engine.queueClose(perf, null, UNTIL);
    const again = await engine.queueJoinMany(perf, ['a', 'c'], { now, open: true, limit, until: UNTIL });
    expect(again.map((r) => r.outcome)).toEqual(['limited', 'joined']);
  });

  it('when admitting tick by tick, then admissions follow the queue order exactly and respect the per-tick allowance', async () => {
    const engine = await adapter.open();
    const perf = newPerf();
    const now = Date.now();
    const users = Array.from({ length: 50 }, (_, i) => `u${i}`);
    for (const u of users) await join(engine, perf, u, { now, open: true });
    const order: string[] = [];
    for (let tick = 0; tick < 10; tick++) {
      const { admitted } = await admit(engine, perf, now + tick, { max: 7 });
      expect(admitted.length).toBeLessThanOrEqual(7);
      order.push(...admitted.map((a) => a.userId));
    }
    expect(order).toEqual(users);
    const status = await engine.queueStatus(perf, 'u0', now);
    expect(status).toMatchObject({ state: 'admitted', position: null, pass: { passId: status!.seq } });
    expect((await engine.queueStats(perf, now)).admittedTotal).toBe(50);
  });

  it('when the lottery is drawn, then the drawn users come first in the drawn order, ahead of later arrivals, and admission follows it', async () => {
    const engine = await adapter.open();
    const perf = newPerf();
    const now = Date.now();
    // Arrivals after the opening, before the draw: one of them is also drawn and moves up to its place.
    for (const u of ['late0', 'r3', 'late1']) await join(engine, perf, u, { now, open: true });
    const drawn = ['r2', 'r0', 'r3', 'r1'];
    expect(await engine.queueDraw(perf, drawn, now, UNTIL)).toBe(4);
    const places = await Promise.all(
      [...drawn, 'late0', 'late1'].map(async (u) => (await engine.queueStatus(perf, u, now))!),
    );
    expect(places.map((e) => [e.state, e.position])).toEqual([1, 2, 3, 4, 5, 6].map((p) => ['waiting', p]));
    // r3 kept the entry it had; the others got one each.
    expect(new Set(places.map((e) => e.seq)).size).toBe(6);
    expect(await engine.queueStats(perf, now)).toMatchObject({ waiting: 6, joined: 6, opened: true });
    await join(engine, perf, 'late2', { now, open: true });
    const order: string[] = [];
    for (let tick = 0; tick < 4; tick++) {
      order.push(...(await admit(engine, perf, now + tick, { max: 2 })).admitted.map((a) => a.userId));
    }
    expect(order).toEqual([...drawn, 'late0', 'late1', 'late2']);
  });

  it('when a later arrival leaves and joins again before the draw, then the draw places them once, at their new place', async () => {
    const engine = await adapter.open();
    const perf = newPerf();
    const now = Date.now();
    for (const u of ['late0', 'late1', 'late2']) await join(engine, perf, u, { now, open: true });
    expect(await engine.queueLeave(perf, 'late0', now)).toBe(true);
    await join(engine, perf, 'late0', { now, open: true });
    expect(await engine.queueDraw(perf, ['r0'], now, UNTIL)).toBe(1);
    const line = ['r0', 'late1', 'late2', 'late0'];
    const places = await Promise.all(
      line.map(async (u) => (await engine.queueStatus(perf, u, now))!.position),
    );
    expect(places).toEqual([1, 2, 3, 4]);
    expect(await engine.queueStats(perf, now)).toMatchObject({ waiting: 4 });
    expect((await admit(engine, perf, now, { max: 10 })).admitted.map((a) => a.userId)).toEqual(line);
  });

  it('when the draw is made again, then nothing changes: once per queue', async () => {
    const engine = await adapter.open();
    const perf = newPerf();
    const now = Date.now();
    expect(await engine.queueDraw(perf, ['a', 'b'], now, UNTIL)).toBe(2);
    const { version } = await engine.queueStats(perf, now);
    expect(await engine.queueDraw(perf, ['b', 'a', 'c'], now, UNTIL)).toBeNull();
    expect((await engine.queueStatus(perf, 'a', now))!.position).toBe(1);
    expect(await engine.queueStatus(perf, 'c', now)).toBeNull();
    expect((await engine.queueStats(perf, now)).version).toBe(version);
    // An empty draw still counts as the draw.
    const empty = newPerf();
    expect(await engine.queueDraw(empty, [], now, UNTIL)).toBe(0);
    expect(await engine.queueDraw(empty, ['a'], now, UNTIL)).toBeNull();
  });

  it('when a draw is longer than one call can carry, then every drawn user is still at their place', async () => {
    const engine = await adapter.open();
    const perf = newPerf();
    const now = Date.now();
    await join(engine, perf, 'walk-in', { now, open: true });
    const drawn = Array.from({ length: 12_001 }, (_, i) => `r${(i * 7919) % 12_001}`);
    expect(await engine.queueDraw(perf, drawn, now, UNTIL)).toBe(12_001);
    for (const k of [0, 4_999, 5_000, 9_999, 10_000, 12_000]) {
      expect((await engine.queueStatus(perf, drawn[k]!, now))!.position).toBe(k + 1);
    }
    expect((await engine.queueStatus(perf, 'walk-in', now))!.position).toBe(12_002);
    expect(await engine.queueDraw(perf, drawn, now, UNTIL)).toBeNull();
  });

  it('when a drawn user holds a live pass, then the draw leaves it; one who left gets a new entry at their place', async () => {
    const engine = await adapter.open();
    const perf = newPerf();
    const now = Date.now();
    await join(engine, perf, 'held', { now, open: true });
    await admit(engine, perf, now, { max: 1 });
    await join(engine, perf, 'gone', { now, open: true });
    await engine.queueLeave(perf, 'gone', now);
    expect(await engine.queueDraw(perf, ['x', 'held', 'gone'], now + 1, UNTIL)).toBe(2);
    expect(await engine.queueStatus(perf, 'held', now + 1)).toMatchObject({ state: 'admitted' });
    expect(await engine.queueStatus(perf, 'gone', now + 1)).toMatchObject({ state: 'waiting', position: 2 });
    // Marked seen at the draw: not skipped as stale when admitted soon after.
    const { admitted } = await admit(engine, perf, now + 2, { max: 5, staleBefore: now });
    expect(admitted.map((a) => a.userId)).toEqual(['x', 'gone']);
  });

  it('when passes are active, then no more than maxActive are out at any moment, and expired or consumed ones free their slot', async () => {
    const engine = await adapter.open();
    const perf = newPerf();
    const now = Date.now();
    for (let i = 0; i < 10; i++) await join(engine, perf, `u${i}`, { now, open: true });

    const first = await admit(engine, perf, now, { max: 100, maxActive: 3 });
    expect(first.admitted.map((a) => a.userId)).toEqual(['u0', 'u1', 'u2']);
    expect((await admit(engine, perf, now + 1, { max: 100, maxActive: 3 })).admitted).toEqual([]);
    expect((await engine.queueStats(perf, now + 1)).active).toBe(3);

    // Checkout consumes u0's pass exactly once; its slot goes to the next in line.
    const u0 = first.admitted[0]!;
    expect(await engine.queuePassActive(perf, 'u0', u0.passId, now + 2)).toBe(true);
    expect(await engine.queueConsumePass(perf, 'u0', u0.passId, now + 2)).toBe(true);
    expect(await engine.queueConsumePass(perf, 'u0', u0.passId, now + 2)).toBe(false);
    expect(await engine.queuePassActive(perf, 'u0', u0.passId, now + 2)).toBe(false);
    expect(
      (await admit(engine, perf, now + 3, { max: 100, maxActive: 3 })).admitted.map((a) => a.userId),
    ).toEqual(['u3']);

    // When the passes lapse, their slots free up and the holders can no longer use them.
    const later = now + PASS_TTL + 10;
    expect(await engine.queuePassActive(perf, 'u1', first.admitted[1]!.passId, later)).toBe(false);
    expect((await engine.queueStatus(perf, 'u1', later))!.state).toBe('expired');
    const next = await admit(engine, perf, later, { max: 100, maxActive: 3 });
    expect(next.admitted.map((a) => a.userId)).toEqual(['u4', 'u5', 'u6']);
  });

  it('when a pass is checked or used, then another user, another pass id or another performance does not match', async () => {
    const engine = await adapter.open();
    const perf = newPerf();
    const other = newPerf();
    const now = Date.now();
    await join(engine, perf, 'alice', { now, open: true });
    await join(engine, perf, 'bob', { now, open: true });
    const { admitted } = await admit(engine, perf, now, { max: 1 });
    const pass = admitted[0]!;
    expect(await engine.queuePassActive(perf, 'alice', pass.passId, now)).toBe(true);
    expect(await engine.queuePassActive(perf, 'bob', pass.passId, now)).toBe(false);
    expect(await engine.queuePassActive(perf, 'alice', pass.passId + 1, now)).toBe(false);
    expect(await engine.queuePassActive(other, 'alice', pass.passId, now)).toBe(false);
    // Nor can any of them use it up: it is still alice's, once.
    expect(await engine.queueConsumePass(perf, 'bob', pass.passId, now)).toBe(false);
    expect(await engine.queueConsumePass(perf, 'alice', pass.passId + 1, now)).toBe(false);
    expect(await engine.queueConsumePass(other, 'alice', pass.passId, now)).toBe(false);
    expect(await engine.queuePassActive(perf, 'alice', pass.passId, now)).toBe(true);
    expect(await engine.queueConsumePass(perf, 'alice', pass.passId, now)).toBe(true);
  });

  it('when a pass reaches its expiry instant, then it has expired at that instant: not active, its slot free', async () => {
    const engine = await adapter.open();
    const perf = newPerf();
    const now = Date.now();
    for (const u of ['u0', 'u1']) await join(engine, perf, u, { now, open: true });
    const [pass] = (await admit(engine, perf, now, { max: 10, maxActive: 1 })).admitted;
    const at = now + PASS_TTL;
    expect(pass).toEqual({ userId: 'u0', passId: 1, expiresAt: at });
    expect(await engine.queuePassActive(perf, 'u0', 1, at - 1)).toBe(true);
    expect((await engine.queueStats(perf, at - 1)).active).toBe(1);
    expect(await engine.queuePassActive(perf, 'u0', 1, at)).toBe(false);
    expect((await engine.queueStatus(perf, 'u0', at))!.state).toBe('expired');
    expect((await engine.queueStats(perf, at)).active).toBe(0);
    const next = await admit(engine, perf, at, { max: 10, maxActive: 1 });
    expect(next.admitted.map((a) => a.userId)).toEqual(['u1']);
  });

  it('when entries have not been seen for a while, then admission skips them and takes the next live ones', async () => {
    const engine = await adapter.open();
    const perf = newPerf();
    const t0 = Date.now();
    for (let i = 0; i < 6; i++) await join(engine, perf, `u${i}`, { now: t0, open: true });
    // u1, u3 and u5 keep their page open; u4 was last seen at the very instant before which entries are
    // stale, so it is not stale; the others went away.
    for (const u of ['u1', 'u3', 'u5']) expect(await engine.queueTouch(perf, u, t0 + 30_000)).toBe(true);
    expect(await engine.queueTouch(perf, 'u4', t0 + 10_000)).toBe(true);
    const result = await admit(engine, perf, t0 + 31_000, { max: 2, staleBefore: t0 + 10_000 });
    expect(result.admitted.map((a) => a.userId)).toEqual(['u1', 'u3']);
    expect(result.skipped).toBe(2);
    expect((await engine.queueStatus(perf, 'u0', t0))!.state).toBe('expired');
    expect((await engine.queueStatus(perf, 'u5', t0 + 31_000))!.position).toBe(2); // u4 (stale, not reached yet) is ahead
    // A skipped user who comes back starts again at the back.
    const back = await join(engine, perf, 'u0', { now: t0 + 32_000, open: true });
    expect(back).toMatchObject({ state: 'waiting', position: 3 });
    const rest = await admit(engine, perf, t0 + 33_000, { max: 10, staleBefore: t0 + 10_000 });
    expect(rest).toMatchObject({
      admitted: [{ userId: 'u4' }, { userId: 'u5' }, { userId: 'u0' }],
      skipped: 0,
    });
  });

  it('when someone ahead leaves, then positions behind move up and admission passes their place; leaving twice or never joined is a no-op', async () => {
    const engine = await adapter.open();
    const perf = newPerf();
    const now = Date.now();
    for (let i = 0; i < 5; i++) await join(engine, perf, `u${i}`, { now, open: true });
    expect(await engine.queueLeave(perf, 'u1', now)).toBe(true);
    // The entry keeps its arrival sequence: it is still that entry, now finished.
    expect(await engine.queueStatus(perf, 'u1', now)).toMatchObject({
      state: 'left',
      seq: 2,
      position: null,
    });
    expect(await engine.queueLeave(perf, 'u1', now)).toBe(false);
    expect(await engine.queueLeave(perf, 'nobody', now)).toBe(false);
    expect((await engine.queueStatus(perf, 'u4', now))!.position).toBe(4);
    expect(await engine.queueTouch(perf, 'u1', now)).toBe(false);
    const rejoined = await join(engine, perf, 'u1', { now, open: true });
    expect(rejoined.position).toBe(5);
    const stats = await engine.queueStats(perf, now);
    expect(stats).toMatchObject({ waiting: 5, active: 0, opened: true });
    // The place u1 left is passed over; u1 is reached once, at the back.
    const all = await admit(engine, perf, now, { max: 10 });
    expect(all.admitted.map((a) => a.userId)).toEqual(['u0', 'u2', 'u3', 'u4', 'u1']);
    // Once admission has reached the end of the line, a newcomer is next, and the next tick admits them.
    expect(await join(engine, perf, 'late', { now, open: true })).toMatchObject({ position: 1 });
    expect((await admit(engine, perf, now, { max: 10 })).admitted.map((a) => a.userId)).toEqual(['late']);
  });

  it('when an admitted user leaves, then their pass is given up and its slot goes to the next in line', async () => {
    const engine = await adapter.open();
    const perf = newPerf();
    const now = Date.now();
    for (const u of ['a', 'b']) await join(engine, perf, u, { now, open: true });
    const first = await admit(engine, perf, now, { max: 10, maxActive: 1 });
    expect(first.admitted.map((a) => a.userId)).toEqual(['a']);
    expect(await engine.queueLeave(perf, 'a', now)).toBe(true);
    expect(await engine.queuePassActive(perf, 'a', first.admitted[0]!.passId, now)).toBe(false);
    expect(await engine.queueStatus(perf, 'a', now)).toMatchObject({ state: 'left', seq: 1, pass: null });
    expect((await engine.queueStats(perf, now)).active).toBe(0);
    const next = await admit(engine, perf, now, { max: 10, maxActive: 1 });
    expect(next.admitted.map((a) => a.userId)).toEqual(['b']);
  });

  it('when people wait in the pre-queue, then they count as waiting, one may leave it, and opening keeps the count', async () => {
    const engine = await adapter.open();
    const perf = newPerf();
    const now = Date.now();
    const early = ['p0', 'p1', 'p2', 'p3'];
    await engine.queueJoinMany(perf, early, { now, open: false, until: UNTIL });
    expect(await engine.queueStats(perf, now)).toMatchObject({ waiting: 4, opened: false });
    expect(await engine.queueLeave(perf, 'p1', now)).toBe(true);
    expect(await engine.queueStatus(perf, 'p1', now)).toMatchObject({ state: 'left', seq: 2 });
    expect(await engine.queueLeave(perf, 'p1', now)).toBe(false);
    expect((await engine.queueStats(perf, now)).waiting).toBe(3);
    expect(await open(engine, perf, now)).toBe(3);
    expect(await engine.queueStats(perf, now)).toMatchObject({ waiting: 3, opened: true });
    await join(engine, perf, 'late', { now, open: true });
    expect((await engine.queueStats(perf, now)).waiting).toBe(4);
  });

  it('when people join, leave, are admitted and let passes run out, then the funnel counts each exactly once', async () => {
    const engine = await adapter.open();
    const perf = newPerf();
    const now = Date.now();
    const funnel = async (at: number) => {
      const { joined, prequeued, left, passesExpired, admittedTotal, active } = await engine.queueStats(
        perf,
        at,
      );
      return { joined, prequeued, left, passesExpired, admittedTotal, active };
    };
    for (const u of ['p1', 'p2', 'p3']) await join(engine, perf, u, { now, open: false });
    expect(await engine.queueLeave(perf, 'p3', now)).toBe(true);
    await join(engine, perf, 'p3', { now, open: false }); // back before the opening: a new pre-queue entry
    expect(await open(engine, perf, now)).toBe(3);
    for (const u of ['w1', 'w2', 'w3']) await join(engine, perf, u, { now, open: true });
    expect(await engine.queueLeave(perf, 'w3', now)).toBe(true);
    expect(await funnel(now)).toEqual({
      joined: 7,
      prequeued: 4,
      left: 2,
      passesExpired: 0,
      admittedTotal: 0,
      active: 0,
    });

    const [a0, a1, a2, a3, a4] = (await admit(engine, perf, now, { max: 10 })).admitted;
    expect(await engine.queueConsumePass(perf, a0!.userId, a0!.passId, now)).toBe(true); // used: not expired
    expect(await engine.queueLeave(perf, a1!.userId, now)).toBe(true); // given up while valid: left
    const expiry = now + PASS_TTL;
    expect(await funnel(expiry - 1)).toMatchObject({
      left: 3,
      passesExpired: 0,
      admittedTotal: 5,
      active: 3,
    });
    // At the expiry instant the three unused passes have run out, whatever their holders do next,
    // counted once each: a2 leaves with it (not left), a3 joins again (a new entry) and leaves that
    // one (left, its old pass still expired), a4 joins again and is admitted anew.
    expect(await engine.queueLeave(perf, a2!.userId, expiry)).toBe(true);
    await join(engine, perf, a3!.userId, { now: expiry, open: true });
    expect(await engine.queueLeave(perf, a3!.userId, expiry)).toBe(true);
    await join(engine, perf, a4!.userId, { now: expiry, open: true });
    const counted = { joined: 9, prequeued: 4, left: 4, passesExpired: 3 };
    expect(await funnel(expiry)).toEqual({ ...counted, admittedTotal: 5, active: 0 });
    expect((await admit(engine, perf, expiry, { max: 10 })).admitted.map((a) => a.userId)).toEqual([
      a4!.userId,
    ]);
    expect(await funnel(expiry)).toEqual({ ...counted, admittedTotal: 6, active: 1 });
    // Nothing else moves them: a poll, a keepalive, a leave of nothing, a pass checked.
    await engine.queueObserve(perf, ['w1', a4!.userId], expiry);
    await engine.queueTouch(perf, 'w1', expiry);
    expect(await engine.queueLeave(perf, 'w3', expiry)).toBe(false);
    expect(await funnel(expiry + 1)).toEqual({ ...counted, admittedTotal: 6, active: 1 });
  });

  it('when people in the pre-queue are observed or touched, then they count as seen once the queue opens', async () => {
    const engine = await adapter.open();
    const perf = newPerf();
    const t0 = Date.now();
    await engine.queueJoinMany(perf, ['p0', 'p1', 'p2'], { now: t0, open: false, until: UNTIL });
    // p0's page is open on a node's stream, p1 polls; p2 went away.
    const [observed] = await engine.queueObserve(perf, ['p0'], t0 + 30_000);
    expect(observed).toMatchObject({ state: 'prequeue' });
    expect(await engine.queueTouch(perf, 'p1', t0 + 30_000)).toBe(true);
    await open(engine, perf, t0 + 31_000);
    const result = await admit(engine, perf, t0 + 31_000, { max: 10, staleBefore: t0 + 10_000 });
    // In the drawn order, whatever it is: both kept fresh are admitted, the other skipped.
    expect(result.admitted.map((a) => a.userId).sort()).toEqual(['p0', 'p1']);
    expect(result.skipped).toBe(1);
    expect((await engine.queueStatus(perf, 'p2', t0 + 31_000))!.state).toBe('expired');
  });

  it('when a queue does not exist, or the user never joined it, then every call finds nothing there and changes nothing', async () => {
    const engine = await adapter.open();
    const now = Date.now();
    const nowhere = newPerf();
    expect(await engine.queueStatus(nowhere, 'u0', now)).toBeNull();
    expect(await engine.queueObserve(nowhere, ['u0', 'u1'], now)).toEqual([null, null]);
    expect(await engine.queueTouch(nowhere, 'u0', now)).toBe(false);
    expect(await engine.queueLeave(nowhere, 'u0', now)).toBe(false);
    expect(await engine.queuePassActive(nowhere, 'u0', 1, now)).toBe(false);
    expect(await engine.queueConsumePass(nowhere, 'u0', 1, now)).toBe(false);
    expect(await admit(engine, nowhere, now, { max: 10 })).toEqual({ admitted: [], skipped: 0 });
    expect(await engine.queueStats(nowhere, now)).toEqual({
      waiting: 0,
      active: 0,
      admittedTotal: 0,
      joined: 0,
      prequeued: 0,
      left: 0,
      passesExpired: 0,
      version: 0,
      opened: false,
      closed: null,
      paused: false,
      restoring: false,
    });

    // A queue with someone in it, asked about a stranger: u0 holds pass 1, which is not the stranger's.
    const perf = newPerf();
    await join(engine, perf, 'u0', { now, open: true });
    await join(engine, perf, 'u1', { now, open: true });
    await admit(engine, perf, now, { max: 1 });
    const before = await engine.queueStats(perf, now);
    expect(await engine.queueObserve(perf, ['stranger'], now)).toEqual([null]);
    expect(await engine.queueTouch(perf, 'stranger', now)).toBe(false);
    expect(await engine.queueLeave(perf, 'stranger', now)).toBe(false);
    expect(await engine.queuePassActive(perf, 'stranger', 1, now)).toBe(false);
    expect(await engine.queueConsumePass(perf, 'stranger', 1, now)).toBe(false);
    expect(await engine.queueStatus(perf, 'stranger', now)).toBeNull();
    expect(await engine.queueStats(perf, now)).toEqual(before);
  });

  it('when the waiting order grows past powers of two, then stats count every waiting entry at each size', async () => {
    const engine = await adapter.open();
    const perf = newPerf();
    const now = Date.now();
    // Sizes on either side of 1,024 and 2,048, where an index over the order (the memory adapter's)
    // grows, and where the count of all slots comes from its top node alone.
    let joined = 0;
    for (const size of [1, 1_023, 1_024, 1_025, 2_047, 2_048, 2_049]) {
      while (joined < size) {
        const users = Array.from({ length: Math.min(1_000, size - joined) }, (_, i) => `u${joined + i}`);
        await engine.queueJoinMany(perf, users, { now, open: true, until: UNTIL });
        joined += users.length;
      }
      expect((await engine.queueStats(perf, now)).waiting).toBe(size);
    }
  });

  it('when a node observes many users at once, then it gets each entry as queueStatus would and marks the waiting ones seen', async () => {
    const engine = await adapter.open();
    const perf = newPerf();
    const t0 = Date.now();
    for (let i = 0; i < 5; i++) await join(engine, perf, `u${i}`, { now: t0, open: true });
    await admit(engine, perf, t0, { max: 1 });
    const observed = await engine.queueObserve(perf, ['u0', 'u3', 'nobody', 'u4'], t0 + 50_000);
    expect(observed.map((e) => e && { state: e.state, position: e.position })).toEqual([
      { state: 'admitted', position: null },
      { state: 'waiting', position: 3 },
      null,
      { state: 'waiting', position: 4 },
    ]);
    // Observed users count as seen; u1 and u2 were not and are skipped as stale.
    const { admitted, skipped } = await admit(engine, perf, t0 + 60_000, {
      max: 10,
      staleBefore: t0 + 40_000,
    });
    expect(admitted.map((a) => a.userId)).toEqual(['u3', 'u4']);
    expect(skipped).toBe(2);
    expect(await engine.queueObserve(perf, [], t0)).toEqual([]);
  });

  it('when anything changes, then the version moves, so nodes can notice with one read; when nothing does, it stays', async () => {
    const engine = await adapter.open();
    const perf = newPerf();
    const now = Date.now();
    const versions = [(await engine.queueStats(perf, now)).version];
    const movedBy = async (change: () => Promise<unknown>) => {
      await change();
      const version = (await engine.queueStats(perf, now)).version;
      expect(version).toBeGreaterThan(versions.at(-1)!);
      versions.push(version);
    };
    await movedBy(() => join(engine, perf, 'a', { now, open: true }));
    const { admitted } = await admit(engine, perf, now, { max: 1 });
    await movedBy(async () => undefined); // the admission just above
    await movedBy(() => join(engine, perf, 'b', { now, open: true }));
    await join(engine, perf, 'c', { now, open: true });
    await movedBy(() => engine.queueLeave(perf, 'b', now));
    await movedBy(() => engine.queueConsumePass(perf, 'a', admitted[0]!.passId, now));
    // An admission that finds only abandoned entries still changes them (to expired).
    const skipping = await admit(engine, perf, now, { max: 1, staleBefore: now + 1 });
    expect(skipping).toEqual({ admitted: [], skipped: 1 });
    await movedBy(async () => undefined);
    // A tick that finds nobody changes nothing: nodes must not take every tick for a change.
    expect(await admit(engine, perf, now, { max: 1 })).toEqual({ admitted: [], skipped: 0 });
    expect((await engine.queueStats(perf, now)).version).toBe(versions.at(-1));
    expect(await engine.queueStatus(perf, 'never-joined', now)).toBeNull();
  });

  it('when one user joins more often than the limit allows, then the extra calls change nothing and say when to retry', async () => {
    const engine = await adapter.open();
    const perf = newPerf();
    const now = Date.now();
    const limit = { max: 3, windowMs: 60_000 };
    const results = [];
    for (let i = 0; i < 5; i++)
      results.push(await engine.queueJoin(perf, 'flooder', { now, open: true, limit, until: UNTIL }));
    expect(results.map((r) => r.outcome)).toEqual(['joined', 'joined', 'joined', 'limited', 'limited']);
    const entries = results.flatMap((r) => (r.outcome === 'joined' ? [r.entry] : []));
    expect(new Set(entries.map((e) => e.seq)).size).toBe(1);
    const refused = results[4]!;
    expect(refused.outcome === 'limited' && refused.retryAfterMs).toBeGreaterThan(50_000);
    expect(refused.outcome === 'limited' && refused.retryAfterMs).toBeLessThanOrEqual(60_000);
    const v = (await engine.queueStats(perf, now)).version;
    expect((await engine.queueJoin(perf, 'flooder', { now, open: true, limit, until: UNTIL })).outcome).toBe(
      'limited',
    );
    expect((await engine.queueStats(perf, now)).version).toBe(v);
    // The window is per user and per queue: others, and the same user elsewhere, are not affected.
    expect((await engine.queueJoin(perf, 'someone', { now, open: true, limit, until: UNTIL })).outcome).toBe(
      'joined',
    );
    expect(
      (await engine.queueJoin(newPerf(), 'flooder', { now, open: true, limit, until: UNTIL })).outcome,
    ).toBe('joined');
    expect((await engine.queueStats(perf, now)).waiting).toBe(2);
  });

  it('when a queue is closed, then joins are refused with the reason, every entry reads it, admission stops, and reopening lifts it', async () => {
    const engine = await adapter.open();
    const perf = newPerf();
    const now = Date.now();
    for (let i = 0; i < 4; i++) await join(engine, perf, `u${i}`, { now, open: true });
    await admit(engine, perf, now, { max: 1 });
    const v0 = (await engine.queueStats(perf, now)).version;

    expect(await engine.queueClose(perf, 'sold-out', UNTIL)).toBe(true);
    expect(await engine.queueClose(perf, 'sold-out', UNTIL)).toBe(false); // no change, no new version
    const stats = await engine.queueStats(perf, now);
    expect(stats).toMatchObject({ closed: 'sold-out', waiting: 3, version: v0 + 1 });
    expect(await engine.queueJoin(perf, 'late', { now, open: true, until: UNTIL })).toEqual({
      outcome: 'closed',
      reason: 'sold-out',
    });
    expect(await engine.queueJoin(perf, 'u2', { now, open: true, until: UNTIL })).toEqual({
      outcome: 'closed',
      reason: 'sold-out',
    });
    expect(await engine.queueStatus(perf, 'late', now)).toBeNull();
    const observed = await engine.queueObserve(perf, ['u0', 'u1', 'late'], now);
    expect(observed.map((e) => e && { state: e.state, position: e.position, closed: e.closed })).toEqual([
      { state: 'admitted', position: null, closed: 'sold-out' },
      { state: 'waiting', position: 1, closed: 'sold-out' },
      null,
    ]);
    expect((await engine.queueStatus(perf, 'u3', now))!.closed).toBe('sold-out');
    expect(await admit(engine, perf, now + 1, { max: 10 })).toEqual({ admitted: [], skipped: 0 });
    expect((await engine.queueStats(perf, now + 1)).admittedTotal).toBe(1);

    // Reopened (a refund put a seat back): the same places, admission and joins resume.
    expect(await engine.queueClose(perf, null, UNTIL)).toBe(true);
    expect((await engine.queueStats(perf, now)).closed).toBeNull();
    expect((await engine.queueStatus(perf, 'u1', now))!).toMatchObject({ position: 1, closed: null });
    expect((await admit(engine, perf, now + 2, { max: 1 })).admitted.map((a) => a.userId)).toEqual(['u1']);
    expect((await join(engine, perf, 'late', { now, open: true })).position).toBe(3);
    expect(await engine.queueClose(newPerf(), null, UNTIL)).toBe(false); // a queue nobody closed is open
  });

  it('when a queue is paused, then joins are taken in order, nobody is admitted, every entry reads it, passes stay, and resuming admits in the original order', async () => {
    const engine = await adapter.open();
    const other = await adapter.peer(engine);
    const perf = newPerf();
    const now = Date.now();
    for (let i = 0; i < 3; i++) await join(engine, perf, `u${i}`, { now, open: true });
    const [pass] = (await admit(engine, perf, now, { max: 1 })).admitted; // u0 holds a pass
    const v0 = (await engine.queueStats(perf, now)).version;

    expect(await engine.queuePause(perf, true, UNTIL)).toBe(true);
    expect(await other.queuePause(perf, true, UNTIL)).toBe(false); // no change, no new version
    expect(await other.queueStats(perf, now)).toMatchObject({ paused: true, closed: null, version: v0 + 1 });
    // Joins go on, at the back, and say the queue is paused in the same step.
    for (let i = 3; i < 6; i++) {
      const joined = await other.queueJoin(perf, `u${i}`, { now, open: true, until: UNTIL });
      expect(joined).toMatchObject({
        outcome: 'joined',
        entry: { state: 'waiting', position: i, paused: true },
      });
    }
    expect(await admit(other, perf, now + 1, { max: 100 })).toEqual({ admitted: [], skipped: 0 });
    expect(await engine.queueStatus(perf, 'u1', now)).toMatchObject({
      state: 'waiting',
      position: 1,
      paused: true,
    });
    const observed = await other.queueObserve(perf, ['u0', 'u2', 'nobody'], now);
    expect(observed.map((e) => e && { state: e.state, position: e.position, paused: e.paused })).toEqual([
      { state: 'admitted', position: null, paused: true },
      { state: 'waiting', position: 2, paused: true },
      null,
    ]);
    // The pass given out before the pause is still good, and can be used.
    expect(await other.queuePassActive(perf, 'u0', pass!.passId, now + 2)).toBe(true);
    expect(await other.queueConsumePass(perf, 'u0', pass!.passId, now + 2)).toBe(true);

    // Closed while paused: both facts read, and lifting one leaves the other.
    expect(await engine.queueClose(perf, 'sold-out', UNTIL)).toBe(true);
    expect(await other.queueStats(perf, now)).toMatchObject({ paused: true, closed: 'sold-out' });
    expect(await engine.queueClose(perf, null, UNTIL)).toBe(true);

    expect(await other.queuePause(perf, false, UNTIL)).toBe(true);
    expect(await engine.queuePause(perf, false, UNTIL)).toBe(false);
    expect((await engine.queueStatus(perf, 'u1', now))!.paused).toBe(false);
    const resumed = await admit(engine, perf, now + 3, { max: 100 });
    expect(resumed.admitted.map((a) => a.userId)).toEqual(['u1', 'u2', 'u3', 'u4', 'u5']);
    expect((await engine.queueStats(perf, now + 3)).admittedTotal).toBe(6);
    // A queue nobody paused is not paused; pausing one that does not exist yet makes it so for the first join.
    expect(await engine.queuePause(newPerf(), false, UNTIL)).toBe(false);
    // Restoring from PostgreSQL writes only a queue with no pause state of its own: an organizer's resume
    // is never undone by a stale read, a wiped queue gets its pause back.
    expect(await other.queuePause(perf, true, UNTIL, true)).toBe(false);
    expect((await engine.queueStats(perf, now)).paused).toBe(false);
    const wiped = newPerf();
    expect(await other.queuePause(wiped, true, UNTIL, true)).toBe(true);
    expect(await engine.queuePause(wiped, false, UNTIL, true)).toBe(false);
    expect((await engine.queueStats(wiped, now)).paused).toBe(true);
    const early = newPerf();
    expect(await engine.queuePause(early, true, UNTIL)).toBe(true);
    expect(await join(engine, early, 'first', { now, open: true })).toMatchObject({
      position: 1,
      paused: true,
    });
    expect(await admit(engine, early, now, { max: 10 })).toEqual({ admitted: [], skipped: 0 });
  });

  it('when a queue passes its instant, then it is forgotten whole; each change moves the instant on', async () => {
    const clock = new TestClock();
    const engine = await adapter.open(clock);
    const perf = newPerf();
    const t0 = clock.now();
    // Instants in units of 4 ms: against Redis these are real milliseconds, and on a loaded machine a
    // few calls can take the 100 ms a unit of one left between the instants.
    const S = 4;
    const until = (ms: number) => t0 + ms * S;
    const first = await engine.queueJoin(perf, 'u0', { now: t0, open: false, until: until(300) });
    expect(first.outcome).toBe('joined');
    await adapter.wait(clock, 200 * S);
    expect(await engine.queueDraw(perf, ['u0'], t0, until(600), 'skip')).toBe(1);
    expect((await engine.queueJoin(perf, 'u1', { now: t0, open: true, until: until(600) })).outcome).toBe(
      'joined',
    );
    await adapter.wait(clock, 200 * S); // past the first instant: the opening moved it
    expect(await engine.queueStatus(perf, 'u0', t0)).toMatchObject({ state: 'waiting' });
    // Only changes move it: a re-join, a poll, a keepalive, a leave or a used pass leave it as it is.
    const leaver = await engine.queueJoin(perf, 'u2', { now: t0, open: true, until: until(900) });
    expect(leaver.outcome).toBe('joined');
    await engine.queueObserve(perf, ['u0'], t0);
    await engine.queueTouch(perf, 'u0', t0);
    expect(await engine.queueLeave(perf, 'u2', t0)).toBe(true);
    const admitted = await engine.queueAdmit(perf, {
      max: 1,
      maxActive: 10,
      now: t0,
      staleBefore: 0,
      passTtlMs: PASS_TTL,
      until: until(900),
    });
    expect(admitted.admitted.map((a) => a.userId)).toEqual(['u0']);
    expect(await engine.queueConsumePass(perf, 'u0', admitted.admitted[0]!.passId, t0)).toBe(true);
    await adapter.wait(clock, 300 * S); // t0 + 700 units
    expect(await engine.queueClose(perf, 'sold-out', until(1_100))).toBe(true);
    await adapter.wait(clock, 300 * S); // t0 + 1000 units: past the admission's instant, not the close's
    expect(await engine.queueStats(perf, t0)).toMatchObject({ closed: 'sold-out', admittedTotal: 1 });
    await adapter.wait(clock, 200 * S); // t0 + 1200 units

    expect(await engine.queueStatus(perf, 'u0', t0)).toBeNull();
    expect(await engine.queueStatus(perf, 'u1', t0)).toBeNull();
    expect(await engine.queueStats(perf, t0)).toEqual({
      waiting: 0,
      active: 0,
      admittedTotal: 0,
      joined: 0,
      prequeued: 0,
      left: 0,
      passesExpired: 0,
      version: 0,
      opened: false,
      closed: null,
      paused: false,
      restoring: false,
    });
    // A queue begun again starts from nothing: open, first in line.
    expect(await join(engine, perf, 'u9', { now: t0, open: false })).toMatchObject({
      state: 'prequeue',
      seq: 1,
    });
  });

  it('when a call changes nothing, then the instant stays where it was, and at that very instant the queue is gone', async () => {
    const clock = new TestClock();
    const engine = await adapter.open(clock);
    const perf = newPerf();
    const t0 = clock.now();
    const until = (ms: number) => t0 + ms;
    expect(await join(engine, perf, 'u0', { now: t0, open: false })).toMatchObject({ state: 'prequeue' });
    // That join was with the far UNTIL; the opening moves the instant to t0 + 300.
    expect(await open(engine, perf, t0, until(300))).toBe(1);
    // None of these changes the queue, so none may move its instant to t0 + 900.
    expect(await engine.queueSeal(perf, until(900))).toEqual([]); // sealed already: not an opening
    expect(await engine.queueDraw(perf, ['u0'], t0, until(900))).toBeNull(); // placed already
    const again = await engine.queueJoin(perf, 'u0', { now: t0, open: true, until: until(900) });
    expect(again).toMatchObject({ outcome: 'joined', entry: { state: 'waiting', seq: 1 } });
    const tick = await engine.queueAdmit(perf, {
      max: 10,
      maxActive: 0, // no room: the tick admits nobody
      now: t0,
      staleBefore: 0,
      passTtlMs: PASS_TTL,
      until: until(900),
    });
    expect(tick).toEqual({ admitted: [], skipped: 0 });
    expect(await engine.queueClose(perf, null, until(900))).toBe(false); // open already
    // Exactly t0 + 300 on the test clock (memory); a little past it in real time (Redis).
    await adapter.wait(clock, 300);
    expect(await engine.queueStatus(perf, 'u0', t0)).toBeNull();
    expect(await engine.queueStats(perf, t0)).toMatchObject({ waiting: 0, version: 0, opened: false });
  });

  it.skipIf(adapter.name !== 'memory')(
    'when the memory engine sweeps, then it lets go of each queue at its instant, one nobody reads again too, and keeps the others',
    async () => {
      // Only the engine's sweep timer is faked; the test clock says what time the sweep sees.
      vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
      try {
        const clock = new TestClock();
        const engine = await adapter.open(clock);
        const t0 = clock.now();
        const live = newPerf();
        await engine.queueJoin(live, 'u0', { now: t0, open: true, until: t0 + 60_001 });
        const baseline = heapAfterGc();
        // A finished sale's queue that no call reads again, so only the sweep can let go of it; large
        // enough for the heap to show it plainly.
        const finished = newPerf();
        for (let batch = 0; batch < 100; batch++) {
          const users = Array.from({ length: 1_000 }, (_, i) => `user-${batch}-${i}`);
          await engine.queueJoinMany(finished, users, { now: t0, open: true, until: t0 + 60_000 });
        }
        const held = heapAfterGc() - baseline;
        expect(held).toBeGreaterThan(8 * 2 ** 20); // the measurement can see the queue at all
        clock.advance(60_000); // exactly the finished queue's instant
        vi.runOnlyPendingTimers(); // one sweep, whatever its period
        expect(heapAfterGc() - baseline).toBeLessThan(held / 4);
        expect(await engine.queueStatus(live, 'u0', clock.now())).toMatchObject({ state: 'waiting' });
      } finally {
        vi.useRealTimers();
      }
    },
  );

  it.skipIf(!adapter.keysWithoutExpiry)(
    'when a queue is written in every way, then each of its keys expires by itself',
    async () => {
      const engine = await adapter.open();
      const perf = newPerf();
      const now = Date.now();
      const untimed = () => adapter.keysWithoutExpiry!(engine, perf);
      const limit = { max: 30, windowMs: 10_000 };
      await engine.queueJoin(perf, 'early', { now, open: false, limit, until: UNTIL });
      expect(await untimed()).toEqual([]);
      await engine.queueSeal(perf, UNTIL);
      expect(await untimed()).toEqual([]);
      await engine.queueDraw(perf, ['early'], now, UNTIL, 'skip');
      expect(await untimed()).toEqual([]);
      for (const u of ['u0', 'u1', 'u2']) await join(engine, perf, u, { now, open: true });
      expect(await untimed()).toEqual([]);
      // Everyone admitted empties the waiting order; a later join creates it again.
      const { admitted } = await admit(engine, perf, now, { max: 10 });
      await join(engine, perf, 'late', { now, open: true });
      expect(await untimed()).toEqual([]);
      await engine.queueObserve(perf, ['late', 'u0'], now);
      await engine.queueTouch(perf, 'late', now);
      await engine.queueLeave(perf, 'late', now);
      await engine.queueConsumePass(perf, admitted[0]!.userId, admitted[0]!.passId, now);
      expect(await untimed()).toEqual([]);
      await engine.queueClose(perf, 'sold-out', UNTIL);
      await engine.queueClose(perf, null, UNTIL);
      expect(await untimed()).toEqual([]);
      // A queue that was only ever closed, or only ever sealed, or drawn, still expires.
      const [closedOnly, sealedOnly, drawnOnly] = [newPerf(), newPerf(), newPerf()];
      await engine.queueClose(closedOnly, 'sold-out', UNTIL);
      await engine.queueSeal(sealedOnly, UNTIL);
      await engine.queueDraw(drawnOnly, ['r0'], now, UNTIL);
      for (const only of [closedOnly, sealedOnly, drawnOnly]) {
        expect(await adapter.keysWithoutExpiry!(engine, only)).toEqual([]);
      }
    },
  );
});
