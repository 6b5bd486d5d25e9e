import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buyer,
  modes,
  onSalePerformance,
  startTestApp,
  TestClock,
  type TestApp,
} from '../../test/harness.js';
import { verifyDraw } from '../../test/verify-draw.js';
import type { WaitingRoom } from '../engine/waiting-room/port.js';
import { queueKeysUntil, type PerformanceCache } from '../inventory/performance-cache.js';
import type { PerformanceRow } from '../inventory/performance.js';
import { InventoryRepository } from '../inventory/repository.js';
import { commitmentOf, draw, entryHash } from './fairness.js';
import { LotteryService } from './lottery.js';
import { LotteryRepository } from './lottery-repository.js';

const minute = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

/**
 * A fifo room's pre-queue at the opening is the lottery's verifiable draw (decision 031): ordered by
 * HMAC-SHA256(seed, user id), recorded once in PostgreSQL, published as a lottery's is, and placed
 * ahead of everyone who arrives after the opening.
 */
describe.each(modes())('the pre-queue drawn at the opening ($name)', (mode) => {
  let t: TestApp;
  const clock = new TestClock();
  beforeAll(async () => {
    t = await startTestApp(mode, { clock });
  });
  afterAll(() => t.close());

  const fairness = async (perf: string) =>
    (await t.app.inject({ method: 'GET', url: `/api/performances/${perf}/fairness` })).json();
  const mine = async (perf: string, headers: Record<string, string>) =>
    (await t.app.inject({ method: 'GET', url: `/api/performances/${perf}/fairness/me`, headers })).json();
  const queue = async (method: 'POST' | 'GET' | 'DELETE', perf: string, headers: Record<string, string>) =>
    t.app.inject({ method, url: `/api/performances/${perf}/queue${method === 'GET' ? '/me' : ''}`, headers });

  it('when buyers wait in the pre-queue and the sale opens, then they are admitted in the drawn order ahead of later arrivals, and the script verifies the draw', async () => {
    const opensAt = clock.now() + 5 * minute;
    const { performanceId: perf } = await onSalePerformance(t, {
      salesOpenAt: iso(opensAt),
      queue: { prequeueMinutes: 30, admitPerSecond: 2, maxActive: 1000 },
    });
    const buyers: Awaited<ReturnType<typeof buyer>>[] = [];
    for (let i = 0; i < 9; i++) buyers.push(await buyer(t));
    for (const b of buyers) expect((await queue('POST', perf, b.headers)).json().state).toBe('prequeue');
    // One leaves before the opening: not in the draw. Another leaves and comes back: in it, once.
    const [gone, back] = [buyers[8]!, buyers[2]!];
    expect((await queue('DELETE', perf, gone.headers)).statusCode).toBe(204);
    expect((await queue('DELETE', perf, back.headers)).statusCode).toBe(204);
    expect((await queue('POST', perf, back.headers)).json().state).toBe('prequeue');
    const waiting = buyers.slice(0, 8);
    const before = await fairness(perf);
    expect(before).toMatchObject({ mode: 'fifo', seed: null, entries: null, registrationClosesAt: null });
    expect(await mine(perf, back.headers)).toMatchObject({ registered: true, place: null, hash: null });
    expect(await mine(perf, gone.headers)).toMatchObject({ registered: false, place: null });

    // Their pages stay open (a poll marks them seen), up to just before the opening.
    clock.advance(5 * minute - 30_000);
    for (const b of waiting) expect((await queue('GET', perf, b.headers)).json().state).toBe('prequeue');
    clock.advance(31_000);
    // After the opening: behind the eight, whether the draw has been placed yet or not (the app's own
    // ticker may have placed it, and let some in, already: the contract tests pin the exact count).
    const walkIn = await buyer(t);
    const walkedIn = (await queue('POST', perf, walkIn.headers)).json();
    expect(walkedIn.state).toBe('waiting');
    expect(walkedIn.position).toBeGreaterThan(1);
    await t.ticker.tick();

    const record = await fairness(perf);
    const seed = Buffer.from(record.seed, 'hex');
    expect(record.commitment).toBe(before.commitment);
    expect(commitmentOf(seed)).toBe(record.commitment);
    const drawn = draw(
      seed,
      waiting.map((b) => b.id),
    );
    expect(record.entries).toEqual(drawn.entries);
    expect(record.listHash).toBe(drawn.listHash);
    const places = await Promise.all(waiting.map((b) => mine(perf, b.headers)));
    for (const [i, p] of places.entries()) {
      expect(p).toMatchObject({ registered: true, hash: entryHash(seed, waiting[i]!.id), of: 8 });
      expect(drawn.userIds[p.place - 1]).toBe(waiting[i]!.id);
    }
    expect(await mine(perf, gone.headers)).toMatchObject({
      registered: false,
      place: null,
      hash: null,
      of: 8,
    });
    const { rows } = await t.db.query(
      'SELECT prequeue_order::text[] AS "order" FROM performance_fairness WHERE performance_id = $1',
      [perf],
    );
    expect(rows[0].order).toEqual(drawn.userIds);

    // Let in as drawn, then the walk-in. Polled in that order, so that two let in between two polls
    // are still told apart in the right order; each poll keeps its buyer seen.
    const byId = new Map([...waiting, walkIn].map((b) => [b.id, b]));
    const admittedFirst: string[] = [];
    for (let round = 0; round < 20 && admittedFirst.length < 9; round++) {
      for (const b of [...drawn.userIds, walkIn.id].map((id) => byId.get(id)!)) {
        const view = (await queue('GET', perf, b.headers)).json();
        if (view.state === 'admitted' && !admittedFirst.includes(b.id)) admittedFirst.push(b.id);
      }
      clock.advance(1000);
      await t.ticker.tick();
    }
    expect(admittedFirst).toEqual([...drawn.userIds, walkIn.id]);

    // The script, from the published values only, as for a lottery.
    const ok = await verifyDraw([
      JSON.stringify(record),
      '--users',
      waiting.map((b) => b.id).join(','),
      '--me',
      JSON.stringify(places[5]),
    ]);
    expect(ok.code).toBe(0);
    expect(ok.out.order).toEqual(drawn.userIds);
    const swapped = [...record.entries];
    [swapped[2], swapped[3]] = [swapped[3], swapped[2]];
    expect((await verifyDraw([JSON.stringify({ ...record, entries: swapped })])).code).toBe(1);
    const withGone = (
      await verifyDraw([JSON.stringify(record), '--users', buyers.map((b) => b.id).join(',')])
    ).out;
    expect(withGone.checks).toMatchObject({ usersGiveTheList: false });
    // A page that shows the values and not the list asks without it; a bad flag names the field.
    const summary = (
      await t.app.inject({ method: 'GET', url: `/api/performances/${perf}/fairness?entries=false` })
    ).json();
    expect(summary).toEqual({ ...record, entries: null });
    const bad = await t.app.inject({
      method: 'GET',
      url: `/api/performances/${perf}/fairness?entries=maybe`,
    });
    expect([bad.statusCode, bad.json().error.details.field]).toEqual([400, 'entries']);
  });

  describe('two nodes, joins racing the opening, a node failing half-way', () => {
    /** Far past anything the clock is advanced to above: this app's ticker never opens these rooms. */
    const opensAt = clock.now() + 3 * 60 * minute;
    let perf: PerformanceRow;
    let until: number;
    const ids = (prefix: number, n: number) => Array.from({ length: n }, (_, i) => String(prefix * 1000 + i));

    /** A node's draw: its own service over the shared PostgreSQL and engine, with faults if asked. */
    const node = (engine: Pick<WaitingRoom, 'queueDraw' | 'queueSeal' | 'queueStatus'> = t.engine) =>
      new LotteryService({
        repository: new LotteryRepository(t.db),
        performances: { get: async () => perf } as unknown as PerformanceCache,
        engine,
        clock: { now: () => opensAt + 1000 },
      });
    const record = async () =>
      (
        await t.db.query<{ order: string[] | null; entries: string[] | null; seed: Buffer }>(
          `SELECT prequeue_order::text[] AS "order", entries, seed FROM performance_fairness
           WHERE performance_id = $1`,
          [perf.id],
        )
      ).rows[0]!;
    /** Everyone waiting, admitted in one go: the order the room lets them in. */
    const admitAll = async () =>
      (
        await t.engine.queueAdmit(perf.id, {
          max: 10_000,
          maxActive: 10_000,
          now: opensAt + 2000,
          staleBefore: 0,
          passTtlMs: 60_000,
          until,
        })
      ).admitted.map((a) => a.userId);

    const freshRoom = async () => {
      const { performanceId } = await onSalePerformance(t, {
        salesOpenAt: iso(opensAt),
        queue: { prequeueMinutes: 24 * 60, admitPerSecond: 1000 },
      });
      perf = (await new InventoryRepository(t.db).findPerformance(performanceId))!;
      until = queueKeysUntil(perf);
    };

    it('when two nodes open the room at once while joins from either side of the instant race them, then there is one draw, with everyone who joined the pre-queue once, and the later joins behind it', async () => {
      await freshRoom();
      const early = ids(1, 60);
      await t.engine.queueJoinMany(perf.id, early, { now: opensAt - minute, open: false, until });
      // Lagging clocks (open: false) and punctual ones (open: true), one join each, interleaved with
      // the two nodes' draws: whichever lands before the seal is in the pre-queue, and so in the draw.
      const lagging = ids(2, 40);
      const punctual = ids(3, 40);
      const answers = new Map<string, string>();
      const after = (ms: number) => new Promise((r) => setTimeout(r, ms));
      const joinOne = async (userId: string, open: boolean, delay: number) => {
        await after(delay);
        const [joined] = await t.engine.queueJoinMany(perf.id, [userId], { now: opensAt, open, until });
        answers.set(userId, joined!.outcome === 'joined' ? joined!.entry.state : joined!.outcome);
      };
      // Spread over the few ms the draws take, so that some land before the seal and some after.
      const [a, b] = [node(), node()];
      await Promise.all([
        ...lagging.map((u, i) => joinOne(u, false, i % 8)),
        after(1).then(() => a.drawIfDue(perf, opensAt + 10)),
        after(2).then(() => b.drawIfDue(perf, opensAt + 20)),
        ...punctual.map((u, i) => joinOne(u, true, 3 + (i % 8))),
      ]);
      const { order, entries, seed } = await record();
      const prequeued = [...early, ...lagging.filter((u) => answers.get(u) === 'prequeue')];
      expect(punctual.every((u) => answers.get(u) === 'waiting')).toBe(true);
      expect(new Set(order)).toEqual(new Set(prequeued));
      expect(order).toHaveLength(prequeued.length);
      expect(entries).toEqual(draw(seed, prequeued).entries);
      // Everyone once: the drawn first in the drawn order, then the rest in the order they came.
      const admitted = await admitAll();
      expect(admitted.slice(0, order!.length)).toEqual(order);
      expect(new Set(admitted.slice(order!.length))).toEqual(
        new Set([...lagging, ...punctual].filter((u) => !order!.includes(u))),
      );
      expect(admitted).toHaveLength(early.length + lagging.length + punctual.length);
      // Asked again, on either node or a third: nothing changes.
      await Promise.all([a.drawIfDue(perf, opensAt + 30), node().drawIfDue(perf, opensAt + 40)]);
      expect((await record()).order).toEqual(order);
    });

    it('when the node opening the room fails after the seal, or after recording the draw, then the next attempt places everyone in the pre-queue once, in the drawn order', async () => {
      for (const failAfter of ['queueSeal', 'queueDraw'] as const) {
        await freshRoom();
        const early = ids(4, 30);
        await t.engine.queueJoinMany(perf.id, early, { now: opensAt - minute, open: false, until });
        const faulty = {
          queueSeal: async (p: string, u: number) => {
            const sealed = await t.engine.queueSeal(p, u);
            if (failAfter === 'queueSeal') throw new Error('node lost after the seal');
            return sealed;
          },
          queueDraw: async () => {
            throw new Error('node lost before placing the draw');
          },
          queueStatus: t.engine.queueStatus.bind(t.engine),
        };
        await expect(node(faulty).drawIfDue(perf, opensAt + 10)).rejects.toThrow(/node lost/);
        expect((await record()).order === null).toBe(failAfter === 'queueSeal');
        // Meanwhile: the pre-queue is kept, later arrivals wait behind it, and nobody is let in.
        const late = ids(5, 5);
        await t.engine.queueJoinMany(perf.id, late, { now: opensAt + 15, open: false, until });
        expect(await t.engine.queueStatus(perf.id, early[0]!, opensAt + 15)).toMatchObject({
          state: 'prequeue',
        });
        expect(await t.engine.queueStatus(perf.id, late[0]!, opensAt + 15)).toMatchObject({ position: 31 });
        expect(await admitAll()).toEqual([]);

        await node().drawIfDue(perf, opensAt + 20);
        const { order, entries, seed } = await record();
        expect(entries).toEqual(draw(seed, early).entries);
        expect(await admitAll()).toEqual([...order!, ...late]);
      }
    });
  });
});
