import { afterAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { bulkBuyers } from '../src/loadtest/buyers.js';
import {
  METRICS_AUTH,
  modes,
  onSalePerformance,
  startTestApp,
  TEST_SECRET,
  TestClock,
  type Mode,
  type TestApp,
} from './harness.js';
import { hasRedisServer, startRedisServer } from './nodes.js';

/**
 * The waiting room's record (decision 038): a place in line survives the engine losing the queue.
 * Embedded: the node stops and another starts on the same database, its memory engine empty. Scaled:
 * the Redis is wiped (FLUSHALL, on a Redis of the test's own, since the shared one serves other runs).
 * Either way every waiter keeps their place and every admitted buyer their pass.
 */
const WAITERS = 500;
const ADMITTED = 20;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(
  what: string,
  read: () => Promise<T>,
  done: (v: T) => boolean,
  ms = 20_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(value)}`);
    await sleep(50);
  }
}

type Buyer = { id: string; headers: { authorization: string } };
type View = { state: string; position: number | null; pass?: string; expiresAt?: string };

/** A sale whose room lets 20 in and keeps them (nobody buys), 500 waiting behind them. */
async function crowdedRoom(t: TestApp) {
  const { performanceId } = await onSalePerformance(t, {
    queue: { admitPerSecond: 200, maxActive: ADMITTED, passTtlSeconds: 900 },
  });
  // A room nobody joined: it has no record, and nothing is restored for it.
  const { performanceId: empty } = await onSalePerformance(t, {
    queue: { admitPerSecond: 10, maxActive: 5 },
  });
  const buyers = await bulkBuyers(t.db, WAITERS + ADMITTED, TEST_SECRET);
  const joins = await Promise.all(
    buyers.map((b) =>
      t.app.inject({ method: 'POST', url: `/api/performances/${performanceId}/queue`, headers: b.headers }),
    ),
  );
  expect(joins.map((r) => r.statusCode)).toEqual(buyers.map(() => 200));
  await until(
    'admissions',
    async () => (await t.engine.queueStats(performanceId, Date.now())).admittedTotal,
    (n) => n === ADMITTED,
  );
  return { performanceId, empty, buyers };
}

const views = (t: TestApp, perf: string, buyers: Buyer[]) =>
  Promise.all(
    buyers.map(async (b) => {
      const res = await t.app.inject({
        method: 'GET',
        url: `/api/performances/${perf}/queue/me`,
        headers: b.headers,
      });
      return res.statusCode === 200 ? res.json<View>() : { state: String(res.statusCode), position: null };
    }),
  );

/** The record has caught up with the engine: every entry in it, every admission too. */
const recorded = (t: TestApp, perf: string) =>
  until(
    'the record',
    async () =>
      (
        await t.db.query<{ entries: number; admitted: number }>(
          `SELECT count(*)::int AS entries, count(*) FILTER (WHERE stage = 2)::int AS admitted
           FROM queue_entries WHERE performance_id = $1`,
          [perf],
        )
      ).rows[0]!,
    (r) => r.entries === WAITERS + ADMITTED && r.admitted === ADMITTED,
  );

/** What a buyer sees, compared across the loss: the place, or the pass's expiry (it is the same pass). */
const shape = (v: View) => ({ state: v.state, position: v.position, expiresAt: v.expiresAt ?? null });

/** After the loss: everyone as before, the room whole once (no entry twice), and an old pass holds a seat. */
async function expectUnchanged(t: TestApp, perf: string, buyers: Buyer[], before: View[]) {
  const after = await until(
    'the restore',
    () => views(t, perf, buyers),
    (vs) => vs.every((v) => v.state === 'waiting' || v.state === 'admitted'),
  );
  expect(after.map(shape)).toEqual(before.map(shape));
  const stats = await t.engine.queueStats(perf, Date.now());
  expect(stats).toMatchObject({
    waiting: WAITERS,
    active: ADMITTED,
    admittedTotal: ADMITTED,
    joined: WAITERS + ADMITTED,
  });
  const holder = before.findIndex((v) => v.state === 'admitted');
  const hold = await t.app.inject({
    method: 'POST',
    url: `/api/performances/${perf}/holds`,
    headers: { ...buyers[holder]!.headers, 'x-queue-pass': before[holder]!.pass! },
    payload: { seatNos: [0] },
  });
  expect(hold.statusCode).toBe(201);
}

const restoresOf = async (t: TestApp, perf: string) => {
  const text = (await t.app.inject({ method: 'GET', url: '/metrics', headers: METRICS_AUTH })).body;
  const line = text
    .split('\n')
    .find((l) => l.startsWith(`tmomi_queue_restores_total{performance="${perf}"}`));
  return line ? Number(line.split(' ')[1]) : 0;
};

const embedded = modes().find((m) => m.name === 'embedded')!;
const scaled = modes().find((m) => m.name === 'scaled');

describe('waiting room record (embedded)', () => {
  const apps: TestApp[] = [];
  afterAll(async () => {
    for (const t of apps) await t.close().catch(() => undefined);
  });

  it('when the node restarts on the same database, then every place and every pass is as it was', async () => {
    const first = await startTestApp(embedded);
    apps.push(first);
    const { performanceId, empty, buyers } = await crowdedRoom(first);
    const before = await views(first, performanceId, buyers);
    expect(before.filter((v) => v.state === 'admitted')).toHaveLength(ADMITTED);
    expect(
      before
        .filter((v) => v.state === 'waiting')
        .map((v) => v.position)
        .sort((a, b) => a! - b!),
    ).toEqual(Array.from({ length: WAITERS }, (_, i) => i + 1));
    await recorded(first, performanceId);
    await first.close();
    apps.pop();

    const second = await startTestApp(embedded);
    apps.push(second);
    await expectUnchanged(second, performanceId, buyers, before);
    expect(await restoresOf(second, performanceId)).toBe(1);
    expect(await restoresOf(second, empty)).toBe(0);
  });
});

describe.skipIf(!scaled || !hasRedisServer)('waiting room record (scaled)', () => {
  let redis: { url: string; stop(): void } | undefined;
  let t: TestApp | undefined;
  afterAll(async () => {
    await t?.close();
    redis?.stop();
  });

  it('when the Redis is wiped (FLUSHALL), then every place and every pass is as it was, restored once', async () => {
    redis = await startRedisServer();
    t = await startTestApp({ ...scaled!, redisUrl: redis.url } satisfies Mode);
    const { performanceId, empty, buyers } = await crowdedRoom(t);
    const before = await views(t, performanceId, buyers);
    await recorded(t, performanceId);
    const client = new Redis(redis.url);
    await client.flushall();
    client.disconnect();
    await expectUnchanged(t, performanceId, buyers, before);
    expect(await restoresOf(t, performanceId)).toBe(1);
    expect(await restoresOf(t, empty)).toBe(0);
    // The record holds each buyer once (an entry of the view over its facts), however often they were
    // written down.
    const { rows } = await t.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM queue_entries WHERE performance_id = $1',
      [performanceId],
    );
    expect(rows[0]!.n).toBe(WAITERS + ADMITTED);
  });
});

/**
 * Once the draw's entries are in the record (`drawn` of them: drawn places, and the admission), stops
 * the embedded node and starts another on the same database: the room comes back as `before`, and
 * stays so through an admission round (nobody drawn again).
 */
async function restartAfterDraw(
  { apps, first, clock }: { apps: TestApp[]; first: TestApp; clock: TestClock },
  perf: string,
  buyers: Buyer[],
  before: View[],
  drawn: number,
) {
  await until(
    'the record of the draw',
    async () =>
      (
        await first.db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM queue_entries
           WHERE performance_id = $1 AND (place < 0 OR stage = 2)`,
          [perf],
        )
      ).rows[0]!.n,
    (n) => n === drawn,
  );
  await first.close();
  apps.pop();
  const second = await startTestApp(embedded, { clock });
  apps.push(second);
  const after = await until(
    'the restore',
    () => views(second, perf, buyers),
    (vs) => vs.every((v) => v.state === 'waiting' || v.state === 'admitted'),
  );
  expect(after.map(shape)).toEqual(before.map(shape));
  await second.ticker.tick();
  expect((await views(second, perf, buyers)).map(shape)).toEqual(before.map(shape));
}

describe('waiting room record of a drawn pre-queue (embedded)', () => {
  const apps: TestApp[] = [];
  afterAll(async () => {
    for (const t of apps) await t.close().catch(() => undefined);
  });

  it('when the node restarts after the opening’s draw, then the drawn order and the later arrivals behind it are as they were, and nobody is drawn again', async () => {
    const clock = new TestClock();
    const first = await startTestApp(embedded, { clock });
    apps.push(first);
    const opensAt = clock.now() + 5 * 60_000;
    const { performanceId: perf } = await onSalePerformance(first, {
      salesOpenAt: new Date(opensAt).toISOString(),
      queue: { prequeueMinutes: 30, admitPerSecond: 1, maxActive: 1, passTtlSeconds: 900 },
    });
    const early = await bulkBuyers(first.db, 30, TEST_SECRET);
    const join = (t: TestApp, b: Buyer) =>
      t.app.inject({ method: 'POST', url: `/api/performances/${perf}/queue`, headers: b.headers });
    for (const b of early) expect((await join(first, b)).json()).toMatchObject({ state: 'prequeue' });
    clock.advance(5 * 60_000 + 1_000);
    const late = await bulkBuyers(first.db, 5, TEST_SECRET);
    for (const b of late) expect((await join(first, b)).json()).toMatchObject({ state: 'waiting' });
    await first.ticker.tick();
    await first.ticker.tick();
    const buyers = [...early, ...late];
    const before = await until(
      'the draw and one admission',
      () => views(first, perf, buyers),
      (vs) => vs.filter((v) => v.state === 'admitted').length === 1,
    );
    // The drawn order is not the arrival order (a shuffle of 30 keeps it with odds of 1 in 30!).
    const drawnPositions = before.slice(0, 30).map((v) => v.position ?? 0);
    expect(drawnPositions).not.toEqual([...drawnPositions].sort((a, b) => a - b));
    expect(before.slice(30).map((v) => v.position)).toEqual([30, 31, 32, 33, 34]);
    await restartAfterDraw({ apps, first, clock }, perf, buyers, before, 30);
  });
});

describe('waiting room record of a lottery (embedded)', () => {
  const apps: TestApp[] = [];
  afterAll(async () => {
    for (const t of apps) await t.close().catch(() => undefined);
  });

  it('when the node restarts after the draw, then the registrants (whose entries the draw made) and the walk-ins are where they were', async () => {
    const clock = new TestClock();
    const first = await startTestApp(embedded, { clock });
    apps.push(first);
    const { performanceId: perf } = await onSalePerformance(first, {
      salesOpenAt: new Date(clock.now() + 5 * 60_000).toISOString(),
      queue: { mode: 'lottery', prequeueMinutes: 1440, admitPerSecond: 1, maxActive: 1, passTtlSeconds: 900 },
    });
    const registrants = await bulkBuyers(first.db, 20, TEST_SECRET);
    for (const b of registrants) {
      const res = await first.app.inject({
        method: 'POST',
        url: `/api/performances/${perf}/registrations`,
        headers: b.headers,
      });
      expect(res.statusCode).toBe(200);
    }
    clock.advance(5 * 60_000 + 1_000);
    const walkIns = await bulkBuyers(first.db, 3, TEST_SECRET);
    for (const b of walkIns) {
      const res = await first.app.inject({
        method: 'POST',
        url: `/api/performances/${perf}/queue`,
        headers: b.headers,
      });
      expect(res.json()).toMatchObject({ state: 'waiting' });
    }
    await first.ticker.tick();
    const buyers = [...registrants, ...walkIns];
    const before = await until(
      'one admission',
      () => views(first, perf, buyers),
      (vs) => vs.filter((v) => v.state === 'admitted').length === 1,
    );
    expect(before.slice(20).map((v) => v.position)).toEqual([20, 21, 22]);
    await restartAfterDraw({ apps, first, clock }, perf, buyers, before, 20);
  });
});

describe.skipIf(!scaled || !hasRedisServer)('waiting room record that lags (scaled)', () => {
  let redis: { url: string; stop(): void } | undefined;
  let t: TestApp | undefined;
  afterAll(async () => {
    await t?.close();
    redis?.stop();
  });

  it('when the Redis is wiped while the last joins are not written yet, then the recorded line comes back whole and the unrecorded joiners join again at the back (decision 038)', async () => {
    redis = await startRedisServer();
    t = await startTestApp({ ...scaled!, redisUrl: redis.url } satisfies Mode);
    const app = t;
    const { performanceId, buyers } = await crowdedRoom(app);
    const before = await views(app, performanceId, buyers);
    await recorded(app, performanceId);
    // The record's writes wait behind a lock: the next joins stay in the node's buffer (a statement
    // under way), as under a crowd, when the wipe comes.
    const blocker = await app.db.connect();
    await blocker.query('BEGIN');
    await blocker.query('LOCK TABLE queue_facts IN EXCLUSIVE MODE');
    const late = await bulkBuyers(app.db, 5, TEST_SECRET);
    const join = (b: Buyer) =>
      app.app.inject({ method: 'POST', url: `/api/performances/${performanceId}/queue`, headers: b.headers });
    for (const b of late) expect((await join(b)).json()).toMatchObject({ state: 'waiting' });
    await sleep(200);
    const client = new Redis(redis.url);
    await client.flushall();
    client.disconnect();
    await until(
      'the restore',
      () => restoresOf(app, performanceId),
      (n) => n === 1,
    );
    const after = await views(app, performanceId, buyers);
    expect(after.map(shape)).toEqual(before.map(shape));
    // The record never saw the late joins: their places are gone, and a join again puts them at the back.
    expect((await views(app, performanceId, late)).map((v) => v.state)).toEqual(late.map(() => '404'));
    await blocker.query('COMMIT');
    blocker.release();
    const again = [];
    for (const b of late) again.push((await join(b)).json<View>());
    expect(again.map((v) => [v.state, v.position])).toEqual(late.map((_, i) => ['waiting', WAITERS + i + 1]));
  });
});
