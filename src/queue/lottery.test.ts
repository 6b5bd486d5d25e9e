import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  adminHeaders,
  buyer,
  modes,
  onSalePerformance,
  startTestApp,
  TestClock,
  type TestApp,
} from '../../test/harness.js';
import { verifyDraw } from '../../test/verify-draw.js';
import { commitmentOf, entryHash } from './fairness.js';

const minute = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

describe.each(modes())('lottery admission ($name)', (mode) => {
  let t: TestApp;
  const clock = new TestClock();
  beforeAll(async () => {
    t = await startTestApp(mode, { clock });
  });
  afterAll(() => t.close());

  const register = (perf: string, headers: Record<string, string>) =>
    t.app.inject({ method: 'POST', url: `/api/performances/${perf}/registrations`, headers });
  const fairness = async (perf: string) =>
    (await t.app.inject({ method: 'GET', url: `/api/performances/${perf}/fairness` })).json();
  const mine = async (perf: string, headers: Record<string, string>) =>
    (await t.app.inject({ method: 'GET', url: `/api/performances/${perf}/fairness/me`, headers })).json();
  /** A lottery whose sale opens `opensIn` from the test clock's now (its pre-queue time long begun). */
  const lottery = (opensIn = 10 * minute, queue: Record<string, unknown> = {}) =>
    onSalePerformance(t, {
      salesOpenAt: iso(clock.now() + opensIn),
      queue: { mode: 'lottery', prequeueMinutes: 1440, admitPerSecond: 1000, ...queue },
    });

  it('when a buyer registers again and again, at once and later, then there is one registration, and the record shows only the commitment', async () => {
    const { performanceId } = await lottery();
    const b = await buyer(t);
    const answers = await Promise.all(Array.from({ length: 8 }, () => register(performanceId, b.headers)));
    expect(answers.map((r) => r.statusCode)).toEqual(Array(8).fill(200));
    expect(new Set(answers.map((r) => r.json().registeredAt)).size).toBe(1);
    const { rows } = await t.db.query(
      'SELECT count(*)::int AS n FROM lottery_registrations WHERE performance_id = $1',
      [performanceId],
    );
    expect(rows[0].n).toBe(1);
    const record = await fairness(performanceId);
    expect(record).toMatchObject({
      mode: 'lottery',
      algorithm: 'tmomi-draw',
      version: 1,
      seed: null,
      entries: null,
    });
    expect(record.commitment).toMatch(/^[0-9a-f]{64}$/);
    expect(await mine(performanceId, b.headers)).toMatchObject({ registered: true, place: null, hash: null });
    // The room itself opens with the draw: no pre-queue for a lottery.
    const join = await t.app.inject({
      method: 'POST',
      url: `/api/performances/${performanceId}/queue`,
      headers: b.headers,
    });
    expect([join.statusCode, join.json().error.code]).toEqual([409, 'QUEUE_NOT_OPEN']);
  });

  it('when the request is bad, then 400 names the field; a fifo sale, an unknown one and a closed window each answer their code', async () => {
    const b = await buyer(t);
    const bad = await register('abc', b.headers);
    expect([bad.statusCode, bad.json().error.details.field]).toEqual([400, 'id']);
    const garbled = await t.app.inject({
      method: 'POST',
      url: '/api/performances/1/registrations',
      headers: b.headers,
      payload: { challenge: 'solved, honestly' },
    });
    expect([garbled.statusCode, garbled.json().error.details.field]).toEqual([400, 'challenge']);
    for (const url of ['/api/performances/abc/fairness', '/api/performances/abc/fairness/me']) {
      const res = await t.app.inject({ method: 'GET', url, headers: b.headers });
      expect([res.statusCode, res.json().error.details.field]).toEqual([400, 'id']);
    }
    expect((await register('1', {})).statusCode).toBe(401);
    expect((await register('999999999', b.headers)).json().error.code).toBe('PERFORMANCE_NOT_FOUND');

    const fifo = await onSalePerformance(t, { salesOpenAt: iso(clock.now() + 10 * minute) });
    const refused = await register(fifo.performanceId, b.headers);
    expect([refused.statusCode, refused.json().error.code]).toEqual([409, 'NOT_A_LOTTERY']);
    expect((await fairness(fifo.performanceId)).mode).toBe('fifo');

    const open = await lottery(-minute);
    const late = await register(open.performanceId, b.headers);
    expect([late.statusCode, late.json().error.code]).toEqual([409, 'REGISTRATION_CLOSED']);
    expect(late.json().error.details.closesAt).toBe(iso(clock.now() - minute));
  });

  it('when an organizer sets the mode, then it is taken until the room opens, refused after, and a bad one names the field', async () => {
    const admin = await adminHeaders(t);
    const patch = (id: string, queue: object) =>
      t.app.inject({
        method: 'PATCH',
        url: `/api/admin/performances/${id}`,
        headers: admin,
        payload: { queue },
      });
    const later = await onSalePerformance(t, {
      salesOpenAt: iso(clock.now() + 2 * 1440 * minute),
      startsAt: iso(clock.now() + 3 * 1440 * minute),
      salesCloseAt: iso(clock.now() + 3 * 1440 * minute - minute),
    });
    const set = await patch(later.performanceId, { mode: 'lottery' });
    expect([set.statusCode, set.json().queue.mode]).toEqual([200, 'lottery']);
    const bogus = await patch(later.performanceId, { mode: 'raffle' });
    expect([bogus.statusCode, bogus.json().error.details.field]).toEqual([400, 'queue.mode']);
    const open = await onSalePerformance(t);
    const refused = await patch(open.performanceId, { mode: 'lottery' });
    expect([refused.statusCode, refused.json().error.code]).toEqual([409, 'QUEUE_ALREADY_OPEN']);
    expect((await patch(open.performanceId, { mode: 'fifo' })).statusCode).toBe(200);
  });

  it('when the sale opens, then the registrants are placed in the drawn order ahead of everyone, admitted in it, and the script verifies the draw', async () => {
    const { performanceId } = await lottery(5 * minute, { admitPerSecond: 2, maxActive: 1000 });
    const buyers: Awaited<ReturnType<typeof buyer>>[] = [];
    for (let i = 0; i < 8; i++) buyers.push(await buyer(t));
    for (const b of buyers) expect((await register(performanceId, b.headers)).statusCode).toBe(200);
    const before = await fairness(performanceId);

    clock.advance(5 * minute + 1000);
    const walkIn = await buyer(t);
    await t.app.inject({
      method: 'POST',
      url: `/api/performances/${performanceId}/queue`,
      headers: walkIn.headers,
    });
    await t.ticker.tick();

    const record = await fairness(performanceId);
    expect(record.commitment).toBe(before.commitment);
    expect(commitmentOf(Buffer.from(record.seed, 'hex'))).toBe(record.commitment);
    expect(record.entries).toHaveLength(8);
    const places = await Promise.all(buyers.map((b) => mine(performanceId, b.headers)));
    for (const [i, p] of places.entries()) {
      expect(p.hash).toBe(entryHash(Buffer.from(record.seed, 'hex'), buyers[i]!.id));
      expect(record.entries[p.place - 1]).toBe(p.hash);
    }
    const drawn = [...buyers].sort(
      (a, b) => places[buyers.indexOf(a)].place - places[buyers.indexOf(b)].place,
    );
    // Each registrant waits at their drawn place, ahead of the walk-in (or has been let in already).
    const status = async (id: string) => (await t.engine.queueStatus(performanceId, id, clock.now()))!;
    const admittedFirst: string[] = [];
    for (let round = 0; round < 20 && admittedFirst.length < 9; round++) {
      for (const id of [...drawn.map((b) => b.id), walkIn.id]) {
        if (!admittedFirst.includes(id) && (await status(id)).state === 'admitted') admittedFirst.push(id);
      }
      clock.advance(1000);
      await t.ticker.tick();
    }
    expect(admittedFirst).toEqual([...drawn.map((b) => b.id), walkIn.id]);

    // The script, from the published values only: the whole order from the ids, and one buyer's place.
    const ok = await verifyDraw([
      JSON.stringify(record),
      '--users',
      buyers.map((b) => b.id).join(','),
      '--me',
      JSON.stringify(places[3]),
    ]);
    expect(ok.code).toBe(0);
    expect(ok.out.order).toEqual(drawn.map((b) => b.id));
    // Two places swapped, or a seed that is not the committed one: the script says no.
    const swapped = [...record.entries];
    [swapped[0], swapped[1]] = [swapped[1], swapped[0]];
    expect((await verifyDraw([JSON.stringify({ ...record, entries: swapped })])).code).toBe(1);
    expect((await verifyDraw([JSON.stringify({ ...record, seed: 'ab'.repeat(32) })])).code).toBe(1);
    // After the draw, registration is closed.
    expect((await register(performanceId, walkIn.headers)).json().error.code).toBe('REGISTRATION_CLOSED');
  });
});
