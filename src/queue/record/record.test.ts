import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bulkBuyers } from '../../loadtest/buyers.js';
import { modes, onSalePerformance, startTestApp, TEST_SECRET, type TestApp } from '../../../test/harness.js';
import { AFTER_OPENING } from '../../engine/waiting-room/record.js';
import { createQueueMetrics } from '../metrics.js';
import { QueueRecorder, RECORD_BUFFER } from './recorder.js';
import { LotteryRepository } from '../lottery-repository.js';
import { QueueRecordRepository, STAGE, type RecordRow } from './repository.js';

const silent = pino({ level: 'silent' });
const counter = async (registry: Registry, name: string) =>
  (await registry.getSingleMetric(name)!.get()).values.reduce((sum, v) => sum + v.value, 0);

describe.each(modes())('waiting room record in PostgreSQL ($name)', (mode) => {
  let t: TestApp;
  let repository: QueueRecordRepository;
  beforeAll(async () => {
    t = await startTestApp(mode);
    repository = new QueueRecordRepository(t.db);
  });
  afterAll(() => t.close());

  /**
   * A performance for hand-written records: without a queue, so that the app's own ticker, which would
   * restore its engine from them and admit, leaves it alone.
   */
  const recordOnly = async (performance: Record<string, unknown> = {}) =>
    (await onSalePerformance(t, { queue: { enabled: false }, ...performance })).performanceId;

  const rowsOf = async (perf: string) =>
    (
      await t.db.query<{ userId: string; seq: string; stage: number; place: string; exp: string | null }>(
        `SELECT user_id::text AS "userId", seq::text, stage, place::text, pass_expires_at::text AS exp
         FROM queue_entries WHERE performance_id = $1 ORDER BY user_id`,
        [perf],
      )
    ).rows.map((r) => [r.userId, Number(r.seq), r.stage, Number(r.place), r.exp && Number(r.exp)]);

  it('when facts about an entry land out of order, then the furthest one stays, and a new entry replaces a finished one', async () => {
    const perf = await recordOnly();
    const [a, b] = await bulkBuyers(t.db, 2, TEST_SECRET);
    const row = (
      userId: string,
      seq: number,
      stage: number,
      place: number,
      expiresAt: number | null = null,
    ) => ({ performanceId: perf, userId, seq, stage, place, expiresAt }) satisfies RecordRow;
    // The leader's admission of `a` is written before the node's write of a's join (which brings the
    // entry's place: an admission carries none).
    await repository.write([
      row(a!.id, 1, STAGE.admitted, 0, 5_000),
      row(b!.id, 2, STAGE.waiting, AFTER_OPENING + 2),
    ]);
    await repository.write([row(a!.id, 1, STAGE.waiting, AFTER_OPENING + 1)]);
    expect(await rowsOf(perf)).toEqual([
      [a!.id, 1, STAGE.admitted, AFTER_OPENING + 1, 5_000],
      [b!.id, 2, STAGE.waiting, AFTER_OPENING + 2, null],
    ]);
    // b leaves, then joins again: a new entry, at the back.
    await repository.write([row(b!.id, 2, STAGE.left, 0)]);
    await repository.write([row(b!.id, 3, STAGE.waiting, AFTER_OPENING + 3)]);
    await repository.write([row(b!.id, 2, STAGE.left, 0)]);
    expect((await rowsOf(perf))[1]).toEqual([b!.id, 3, STAGE.waiting, AFTER_OPENING + 3, null]);

    const snapshot = await repository.snapshot(perf);
    expect(snapshot).toMatchObject({ seq: 3, opened: true, admittedTotal: 1 });
    expect(await repository.progress([perf, '999999999'])).toEqual(
      new Map([[perf, { seq: 3, admitted: 1 }]]),
    );
  });

  it('when the room was drawn (PostgreSQL’s fairness record), then the drawn stand at their draw places, even those whose draw rows were never written, and a pre-queue row left behind reads as waiting', async () => {
    // Opening in an hour: the app's own ticker does not draw it meanwhile.
    const { performanceId: perf } = await onSalePerformance(t, {
      salesOpenAt: new Date(Date.now() + 3_600_000).toISOString(),
      queue: { prequeueMinutes: 120 },
    });
    const [a, b, c] = await bulkBuyers(t.db, 3, TEST_SECRET);
    const pre = (userId: string, seq: number) =>
      ({
        performanceId: perf,
        userId,
        seq,
        stage: STAGE.prequeue,
        place: seq,
        expiresAt: null,
      }) satisfies RecordRow;
    await repository.write([pre(a!.id, 1), pre(b!.id, 2)]);
    expect((await repository.snapshot(perf)).drawn).toBe(false);
    const order = await new LotteryRepository(t.db).drawPrequeue(perf, new Date(), async () => [
      a!.id,
      b!.id,
    ]);
    const placeOf = (userId: string) => order.indexOf(userId) - order.length;
    // The first's draw row is written; the second's never is (the recorder failed).
    const first = order[0]!;
    await repository.write([
      {
        performanceId: perf,
        userId: first,
        seq: first === a!.id ? 1 : 2,
        stage: STAGE.waiting,
        place: -2,
        expiresAt: null,
      },
    ]);
    // c's pre-queue join is written after the draw: the draw placed it with the undrawn rest.
    await repository.write([pre(c!.id, 3)]);
    const snapshot = await repository.snapshot(perf);
    expect(snapshot).toMatchObject({ seq: 3, opened: true, drawn: true });
    expect(snapshot.entries.map((e) => [e.userId, e.state, e.place]).sort()).toEqual(
      [
        [a!.id, 'waiting', placeOf(a!.id)],
        [b!.id, 'waiting', placeOf(b!.id)],
        [c!.id, 'waiting', 3],
      ].sort(),
    );
  });

  it('when an entry is replaced by a newer one, then its old pass expiry goes with it, and admissions are counted once each', async () => {
    const perf = await recordOnly();
    const [a] = await bulkBuyers(t.db, 1, TEST_SECRET);
    const row = (seq: number, stage: number, place: number, expiresAt: number | null = null) =>
      ({ performanceId: perf, userId: a!.id, seq, stage, place, expiresAt }) satisfies RecordRow;
    await repository.write([row(1, STAGE.consumed, 0)]);
    await repository.write([row(1, STAGE.admitted, 0, 9_000)]);
    await repository.write([row(2, STAGE.admitted, 0, 5_000)]);
    await repository.write([row(2, STAGE.consumed, 0)]);
    await repository.write([row(3, STAGE.waiting, AFTER_OPENING + 3)]);
    expect(await rowsOf(perf)).toEqual([[a!.id, 3, STAGE.waiting, AFTER_OPENING + 3, null]]);
    expect((await repository.progress([perf])).get(perf)).toEqual({ seq: 3, admitted: 2 });
    expect((await repository.snapshot(perf)).admittedTotal).toBe(2);
  });

  it('when a batch carries several facts of one entry, then its entry is the furthest, keeping the join’s place, and a repeated fact is written once', async () => {
    const perf = await recordOnly();
    const [a] = await bulkBuyers(t.db, 1, TEST_SECRET);
    const registry = new Registry();
    const recorder = new QueueRecorder({
      repository,
      engine: t.engine,
      metrics: createQueueMetrics(registry),
      logger: silent,
    });
    const entry = { state: 'waiting' as const, seq: 7, position: 1, pass: null, closed: null, paused: false };
    recorder.joined(
      perf,
      [a!.id, a!.id],
      [
        { outcome: 'joined', entry },
        { outcome: 'joined', entry },
      ],
    );
    recorder.admitted(perf, [{ userId: a!.id, passId: 7, expiresAt: 9_000 }]);
    // A fact of a performance deleted meanwhile does not fail the batch with it.
    recorder.ended('999999999', a!.id, 1, 'left');
    await recorder.flushed();
    expect(await counter(registry, 'tmomi_queue_record_failures_total')).toBe(0);
    expect(await rowsOf(perf)).toEqual([[a!.id, 7, STAGE.admitted, AFTER_OPENING + 7, 9_000]]);
    const facts = await t.db.query('SELECT 1 FROM queue_facts WHERE performance_id = $1', [perf]);
    expect(facts.rowCount).toBe(2);
    expect((await repository.progress([perf])).get(perf)).toEqual({ seq: 7, admitted: 1 });
    recorder.ended(perf, a!.id, 7, 'consumed');
    await recorder.flushed();
    expect(await rowsOf(perf)).toEqual([[a!.id, 7, STAGE.consumed, AFTER_OPENING + 7, 9_000]]);
  });

  it('when a room’s sale is over and the engine has forgotten it, then prune deletes its record and the facts of deleted performances, and keeps the rest', async () => {
    const ended = await recordOnly();
    const inAMonth = Date.now() + 30 * 24 * 3600_000;
    const live = await recordOnly({
      salesCloseAt: new Date(inAMonth).toISOString(),
      startsAt: new Date(inAMonth).toISOString(),
    });
    const [a] = await bulkBuyers(t.db, 1, TEST_SECRET);
    const fact = (performanceId: string) =>
      ({
        performanceId,
        userId: a!.id,
        seq: 1,
        stage: STAGE.waiting,
        place: AFTER_OPENING + 1,
        expiresAt: null,
      }) satisfies RecordRow;
    await repository.write([fact(ended), fact(live), fact('999999998')]);
    const closeAt = (
      await t.db.query<{ at: Date }>('SELECT sales_close_at AS at FROM performances WHERE id = $1', [ended])
    ).rows[0]!.at.getTime();
    const factsOf = async (perf: string) =>
      (await t.db.query('SELECT 1 FROM queue_facts WHERE performance_id = $1', [perf])).rowCount;
    // Closed, but the engine keeps the room a day longer (queueKeysUntil): nothing is due yet.
    expect(await repository.prune(new Date(closeAt + 3_600_000))).toBe(0);
    expect(await factsOf('999999998')).toBe(1);
    // (Other tests' rooms close with this one's: pruned too.)
    expect(await repository.prune(new Date(closeAt + 25 * 3_600_000))).toBeGreaterThan(0);
    expect([await factsOf(ended), await factsOf(live), await factsOf('999999998')]).toEqual([0, 1, 0]);
    expect([...(await repository.progress([ended, live])).keys()]).toEqual([live]);
    expect(await repository.prune(new Date(closeAt + 25 * 3_600_000))).toBe(0);
  });

  it('when a write fails, then it is counted and logged, never thrown, and the next facts are written', async () => {
    const perf = await recordOnly();
    const [a] = await bulkBuyers(t.db, 1, TEST_SECRET);
    let fail = true;
    const flaky = {
      write: async (rows: readonly RecordRow[]) => {
        if (fail) throw new Error('connection terminated');
        await repository.write(rows);
      },
    } as unknown as QueueRecordRepository;
    const registry = new Registry();
    const metrics = createQueueMetrics(registry);
    const recorder = new QueueRecorder({ repository: flaky, engine: t.engine, metrics, logger: silent });
    recorder.ended(perf, a!.id, 1, 'left');
    await recorder.flushed();
    expect(await counter(registry, 'tmomi_queue_record_failures_total')).toBe(1);
    fail = false;
    recorder.ended(perf, a!.id, 2, 'left');
    await recorder.flushed();
    expect(await rowsOf(perf)).toEqual([[a!.id, 2, STAGE.left, 0, null]]);
  });

  it('when a buyer joins and leaves over HTTP, then the record follows, behind the answers', async () => {
    const { performanceId: perf } = await onSalePerformance(t, {
      queue: { admitPerSecond: 1, maxActive: 1 },
    });
    const [first, b] = await bulkBuyers(t.db, 2, TEST_SECRET);
    const url = `/api/performances/${perf}/queue`;
    // The first takes the room's one pass; b waits behind.
    await t.app.inject({ method: 'POST', url, headers: first!.headers });
    const joined = (await t.app.inject({ method: 'POST', url, headers: b!.headers })).json<{
      state: string;
    }>();
    expect(joined.state).toBe('waiting');
    expect((await t.app.inject({ method: 'DELETE', url, headers: b!.headers })).statusCode).toBe(204);
    const deadline = Date.now() + 10_000;
    let row = (await rowsOf(perf)).find((r) => r[0] === b!.id);
    while (row?.[2] !== STAGE.left && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      row = (await rowsOf(perf)).find((r) => r[0] === b!.id);
    }
    expect(row).toEqual([b!.id, 2, STAGE.left, AFTER_OPENING + 2, null]);
  });

  it('when PostgreSQL cannot keep up, then the buffer stops at its bound and counts what it dropped', async () => {
    let release: () => void = () => undefined;
    const written: number[] = [];
    const slow = {
      write: async (rows: readonly RecordRow[]) => {
        await new Promise<void>((r) => (release = r));
        written.push(rows.length);
      },
    } as unknown as QueueRecordRepository;
    const registry = new Registry();
    const recorder = new QueueRecorder({
      repository: slow,
      engine: t.engine,
      metrics: createQueueMetrics(registry),
      logger: silent,
      gatherMs: 0,
    });
    const admit = (from: number, n: number) =>
      recorder.admitted(
        '1',
        Array.from({ length: n }, (_, i) => ({ userId: String(from + i), passId: 1, expiresAt: 1 })),
      );
    admit(0, 1);
    await new Promise((r) => setImmediate(r));
    // The first write is under way (one fact); the buffer then fills to its bound, and no further.
    admit(1, RECORD_BUFFER + 10);
    expect(await counter(registry, 'tmomi_queue_record_dropped_total')).toBe(10);
    const drain = recorder.flushed();
    while (written.reduce((s, n) => s + n, 0) < RECORD_BUFFER + 1) {
      release();
      await new Promise((r) => setImmediate(r));
    }
    await drain;
    expect(written[0]).toBe(1);
  });
});
