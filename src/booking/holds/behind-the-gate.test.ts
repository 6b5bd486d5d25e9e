import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buyer, modes, onSalePerformance, startTestApp, type TestApp } from '../../../test/harness.js';
import type { GateAcquireResult, GateRequest } from '../../engine/hold-gate/port.js';
import { TEST_CARDS } from '../payments.js';
import type { HoldRepository } from './repository.js';

type Headers = Record<string, string>;
type AcquireMany = (
  perf: string,
  requests: readonly GateRequest[],
  now: number,
) => Promise<GateAcquireResult[]>;
const noQueue = { queue: { enabled: false } };
/** As in holds/service.ts: how many picks best-available makes before it gives up. */
const PICK_ATTEMPTS = 4;

/**
 * What the hold service does with the answers of the gate in front of PostgreSQL (issue 23: paths no
 * other booking test takes on purpose). The engine's gate is replaced for a test by one that answers
 * as told — one that lets a taken seat through, as a gate drifted from PostgreSQL would, or one that
 * finds every pick taken, as another node's buyers would — and the outcome is read back in the database.
 */
describe.each(modes())('holds behind the gate ($name)', (mode) => {
  let t: TestApp;
  let realAcquire: AcquireMany;

  beforeAll(async () => {
    t = await startTestApp(mode);
    realAcquire = t.engine.gateAcquireMany.bind(t.engine);
  });
  afterEach(() => {
    t.engine.gateAcquireMany = realAcquire;
  });
  afterAll(() => t.close());

  const hold = (perf: string, headers: Headers, body: object, key?: string) =>
    t.app.inject({
      method: 'POST',
      url: `/api/performances/${perf}/holds`,
      headers: key === undefined ? headers : { ...headers, 'idempotency-key': key },
      payload: body,
    });
  /** The hold service's own repository, for a test that makes one of its answers fail or counts calls. */
  const holdRepository = () =>
    (t.holds as unknown as { deps: { repository: HoldRepository } }).deps.repository;
  const heldSeats = async (perf: string) => {
    const { rows } = await t.db.query<{ seat_no: number }>(
      'SELECT seat_no FROM tickets WHERE performance_id = $1 AND status <> 0 ORDER BY seat_no',
      [perf],
    );
    return rows.map((r) => r.seat_no);
  };

  it('when the gate lets a taken seat through, then PostgreSQL refuses the hold with exactly the taken seats and holds none of the others', async () => {
    const { performanceId: perf } = await onSalePerformance(t, noQueue);
    const [alice, bob] = [await buyer(t), await buyer(t)];
    expect((await hold(perf, alice.headers, { seatNos: [1, 2] })).statusCode).toBe(201);
    // A gate that has lost track of Alice's hold: it marks whatever it is asked for.
    t.engine.gateAcquireMany = async (_perf, requests) => requests.map(() => ({ outcome: 'held' }));
    const refused = await hold(perf, bob.headers, { seatNos: [2, 3] });
    expect([refused.statusCode, refused.json().error]).toEqual([
      409,
      expect.objectContaining({ code: 'SEAT_UNAVAILABLE', details: { seatNos: [2] } }),
    ]);
    expect(await heldSeats(perf)).toEqual([1, 2]);
    // PostgreSQL alone still places a hold on free seats.
    expect((await hold(perf, bob.headers, { seatNos: [3, 4] })).statusCode).toBe(201);
    expect(await heldSeats(perf)).toEqual([1, 2, 3, 4]);
  });

  it('when the gate finds the seats best-available picked taken, then it picks others, and gives up after its last attempt', async () => {
    const { performanceId: perf } = await onSalePerformance(t, noQueue);
    const picks: number[][] = [];
    let refuse = 1;
    t.engine.gateAcquireMany = async (p, requests, now) => {
      picks.push(...requests.map((r) => [...r.hold.seatNos]));
      if (refuse-- > 0) return requests.map((r) => ({ outcome: 'taken', seatNos: [...r.hold.seatNos] }));
      return realAcquire(p, requests, now);
    };
    const carol = await buyer(t);
    const placed = await hold(perf, carol.headers, { grade: 'R', quantity: 2 });
    expect(placed.statusCode).toBe(201);
    expect(picks).toHaveLength(2);
    expect(picks[1]!.some((s) => picks[0]!.includes(s))).toBe(false);
    expect(placed.json().seatNos).toEqual(picks[1]);
    expect(await heldSeats(perf)).toEqual(picks[1]);

    // Every pick taken: the buyer is told the last pick's seats, after PICK_ATTEMPTS picks, none alike.
    picks.length = 0;
    refuse = Number.POSITIVE_INFINITY;
    const dave = await buyer(t);
    const refused = await hold(perf, dave.headers, { grade: 'R', quantity: 2 });
    expect([refused.statusCode, refused.json().error]).toEqual([
      409,
      expect.objectContaining({ code: 'SEAT_UNAVAILABLE', details: { seatNos: picks.at(-1) } }),
    ]);
    expect(picks).toHaveLength(PICK_ATTEMPTS);
    expect(new Set(picks.flat()).size).toBe(PICK_ATTEMPTS * 2);
    expect(await heldSeats(perf)).toEqual(placed.json().seatNos);

    // A row of four: each pick strikes its seats out for the next, so no seat is tried twice, and
    // once no two seats are left the buyer hears that none are.
    const { performanceId: small } = await onSalePerformance(t, noQueue, { rows: 1, seatsPerRow: 4 });
    picks.length = 0;
    const last = await hold(small, (await buyer(t)).headers, { grade: 'R', quantity: 2 });
    expect(last.json().error.code).toBe('SEAT_UNAVAILABLE');
    expect(picks.flat().sort()).toEqual([...new Set(picks.flat())].sort());
    expect(await heldSeats(small)).toEqual([]);
  });

  it('when requests without a key, or with keys of their own, arrive together, then none waits for another; twins of one key go one after the other', async () => {
    const { performanceId: perf } = await onSalePerformance(t, noQueue);
    let inFlight = 0;
    let most = 0;
    t.engine.gateAcquireMany = async (p, requests, now) => {
      // Counted by hold, not by call: the gate may send the two in one call or in two.
      most = Math.max(most, (inFlight += requests.length));
      await new Promise((r) => setTimeout(r, 150));
      inFlight -= requests.length;
      return realAcquire(p, requests, now);
    };
    const together = async (...requests: Promise<{ statusCode: number }>[]) => {
      most = 0;
      const answers = await Promise.all(requests);
      return { statuses: answers.map((a) => a.statusCode), most };
    };
    const [erin, frank] = [await buyer(t), await buyer(t)];
    // One buyer, no keys: two holds decided side by side.
    expect(
      await together(
        hold(perf, erin.headers, { seatNos: [10] }),
        hold(perf, erin.headers, { seatNos: [20] }),
      ),
    ).toEqual({ statuses: [201, 201], most: 2 });
    // Two buyers, each with a key of their own.
    expect(
      await together(
        hold(perf, erin.headers, { seatNos: [30] }, 'same-words'),
        hold(perf, frank.headers, { seatNos: [40] }, 'same-words'),
      ),
    ).toEqual({ statuses: [201, 201], most: 2 });
    // One buyer's twin requests under one key: the second waits and gets the first one's hold.
    const twins = await Promise.all([
      hold(perf, frank.headers, { seatNos: [50] }, 'twin'),
      hold(perf, frank.headers, { seatNos: [50] }, 'twin'),
    ]);
    expect(twins.map((r) => r.statusCode)).toEqual([201, 201]);
    expect(twins[1].json().holdId).toBe(twins[0].json().holdId);
  });

  it('when a paid hold is released, then it is refused as paid and its seats stay sold', async () => {
    const { performanceId: perf } = await onSalePerformance(t, noQueue);
    const ivy = await buyer(t);
    const { holdId } = (await hold(perf, ivy.headers, { seatNos: [7] })).json<{ holdId: string }>();
    const paid = await t.app.inject({
      method: 'POST',
      url: `/api/holds/${holdId}/checkout`,
      headers: { ...ivy.headers, 'idempotency-key': 'pay-7' },
      payload: { payment: { card: TEST_CARDS.succeeds } },
    });
    expect(paid.statusCode).toBe(201);
    const release = await t.app.inject({
      method: 'DELETE',
      url: `/api/holds/${holdId}`,
      headers: ivy.headers,
    });
    expect([release.statusCode, release.json().error]).toEqual([
      409,
      expect.objectContaining({ code: 'HOLD_ALREADY_PAID', details: { holdId } }),
    ]);
    expect(await heldSeats(perf)).toEqual([7]);
  });

  it("when a key is sent again for a grade or a count other than its hold's, then it is refused as reused, and the same request gets the hold back", async () => {
    const { performanceId: perf } = await onSalePerformance(t, noQueue, {
      sections: [
        { name: 'A', grade: 'R', rows: 2, seatsPerRow: 5 },
        { name: 'B', grade: 'S', rows: 2, seatsPerRow: 5 },
      ],
      prices: [
        { grade: 'R', amount: 50_000 },
        { grade: 'S', amount: 30_000 },
      ],
    });
    const gina = await buyer(t);
    const first = await hold(perf, gina.headers, { grade: 'R', quantity: 2 }, 'k');
    expect(first.statusCode).toBe(201);
    const { holdId, seatNos } = first.json<{ holdId: string; seatNos: number[] }>();

    const again = await hold(perf, gina.headers, { grade: 'R', quantity: 2 }, 'k');
    expect([again.statusCode, again.json().holdId]).toEqual([201, holdId]);
    for (const other of [
      { grade: 'S', quantity: 2 },
      { grade: 'R', quantity: 1 },
      { grade: 'R', quantity: 3 },
    ]) {
      const reused = await hold(perf, gina.headers, other, 'k');
      expect([reused.statusCode, reused.json().error]).toEqual([
        422,
        expect.objectContaining({ code: 'IDEMPOTENCY_KEY_REUSED', details: { holdId } }),
      ]);
    }
    expect(await heldSeats(perf)).toEqual(seatNos);

    // A key first used for seats of both grades (section A is R, B is S) does not answer for one grade.
    const hank = await buyer(t);
    const both = [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9].find((s) => !seatNos.includes(s))!, 10];
    const mixed = await hold(perf, hank.headers, { seatNos: both }, 'mixed');
    expect(mixed.statusCode).toBe(201);
    const asGrade = await hold(perf, hank.headers, { grade: 'R', quantity: 2 }, 'mixed');
    expect([asGrade.statusCode, asGrade.json().error.details]).toEqual([
      422,
      { holdId: mixed.json().holdId },
    ]);
    expect(await heldSeats(perf)).toEqual([...seatNos, ...both].sort((a, b) => a - b));

    // Released, then asked for again under its key: the answer is the hold as it is now, released, and
    // its seats stay free on the seat map.
    const holdId2 = mixed.json().holdId as string;
    const released = await t.app.inject({
      method: 'DELETE',
      url: `/api/holds/${holdId2}`,
      headers: hank.headers,
    });
    expect(released.statusCode).toBe(204);
    const replayed = await hold(perf, hank.headers, { seatNos: both }, 'mixed');
    expect([replayed.statusCode, replayed.json()]).toEqual([
      201,
      expect.objectContaining({ holdId: holdId2, state: 'released' }),
    ]);
    const { bits } = await t.engine.availabilityRead(perf, Date.now());
    expect(both.map((seat) => (bits![seat >> 3]! >> (seat & 7)) & 1)).toEqual([1, 1]);
    expect(await heldSeats(perf)).toEqual(seatNos);
  });

  it("when PostgreSQL refuses without naming seats (a deadlock victim) or fails, then the buyer is told the taken seats (or all asked, when none is) and the gate's marks are taken back", async () => {
    const { performanceId: perf } = await onSalePerformance(t, noQueue);
    const [alice, bob] = [await buyer(t), await buyer(t)];
    expect((await hold(perf, alice.headers, { seatNos: [1, 2] })).statusCode).toBe(201);
    // The service's own repository, answering as PostgreSQL does for a deadlock victim or an outage.
    const repository = holdRepository();
    const realPlace = repository.placeHold.bind(repository);
    t.engine.gateAcquireMany = async (_perf, requests) => requests.map(() => ({ outcome: 'held' }));
    try {
      repository.placeHold = async () => ({ outcome: 'refused' });
      const named = await hold(perf, bob.headers, { seatNos: [2, 3] });
      expect([named.statusCode, named.json().error.details]).toEqual([409, { seatNos: [2] }]);
      const unnamed = await hold(perf, bob.headers, { seatNos: [5, 6] });
      expect([unnamed.statusCode, unnamed.json().error.details]).toEqual([409, { seatNos: [5, 6] }]);
      repository.placeHold = async () => {
        throw Object.assign(new Error('the connection was lost'), { code: '57P01' });
      };
      t.engine.gateAcquireMany = realAcquire;
      expect((await hold(perf, bob.headers, { seatNos: [7, 8] })).statusCode).toBeGreaterThanOrEqual(500);
    } finally {
      repository.placeHold = realPlace;
      t.engine.gateAcquireMany = realAcquire;
    }
    // The real gate's marks of the failed request were taken back: the seats are Bob's at once.
    const again = await hold(perf, bob.headers, { seatNos: [7, 8] });
    expect(again.statusCode, again.body).toBe(201);
    expect(await heldSeats(perf)).toEqual([1, 2, 7, 8]);
  });

  it('when a refusal cannot be a retry of a hold made (no key), or must stay as cheap as the gate (rate-limited), then PostgreSQL is not asked for a hold by key; a refusal PostgreSQL names is not looked up again', async () => {
    const { performanceId: perf } = await onSalePerformance(t, noQueue);
    const [alice, bob] = [await buyer(t), await buyer(t)];
    const repository = holdRepository();
    const calls = { byKey: 0, unavailable: 0 };
    const real = {
      byKey: repository.findHoldByKey.bind(repository),
      unavailable: repository.unavailableSeats.bind(repository),
    };
    repository.findHoldByKey = (...args) => (calls.byKey++, real.byKey(...args));
    repository.unavailableSeats = (...args) => (calls.unavailable++, real.unavailable(...args));
    try {
      const first = await hold(perf, alice.headers, { seatNos: [1, 2] }, 'a');
      expect(first.statusCode).toBe(201);
      // A loser of the seat race without a key: the gate's answer, and nothing asked of PostgreSQL.
      const lost = await hold(perf, bob.headers, { seatNos: [2, 3] });
      expect([lost.statusCode, lost.json().error.details]).toEqual([409, { seatNos: [2] }]);
      expect(calls.byKey).toBe(0);
      // Alice's retry under her key while the gate turns her away for her rate: 429, not her hold.
      t.engine.gateAcquireMany = async (_perf, requests) =>
        requests.map(() => ({ outcome: 'limited', retryAfterMs: 3_000 }));
      const limited = await hold(perf, alice.headers, { seatNos: [1, 2] }, 'a');
      expect([limited.statusCode, limited.json().error.code, limited.headers['retry-after']]).toEqual([
        429,
        'RATE_LIMITED',
        '3',
      ]);
      expect(calls.byKey).toBe(0);
      // PostgreSQL refuses a seat the gate let through, naming it: the refusal is its answer.
      t.engine.gateAcquireMany = async (_perf, requests) => requests.map(() => ({ outcome: 'held' }));
      const named = await hold(perf, bob.headers, { seatNos: [2, 3] });
      expect([named.statusCode, named.json().error.details]).toEqual([409, { seatNos: [2] }]);
      expect(calls.unavailable).toBe(0);
    } finally {
      Object.assign(repository, { findHoldByKey: real.byKey, unavailableSeats: real.unavailable });
    }
  });

  it('when the gate was cold (the request went to PostgreSQL alone) and PostgreSQL refuses, then the gate is not told to release marks it never made (a release would turn away the rebuild the request started)', async () => {
    const { performanceId: perf } = await onSalePerformance(t, noQueue);
    const [alice, bob] = [await buyer(t), await buyer(t)];
    expect((await hold(perf, alice.headers, { seatNos: [1, 2] })).statusCode).toBe(201);
    const realRelease = t.engine.gateRelease.bind(t.engine);
    let released = 0;
    t.engine.gateAcquireMany = async (_perf, requests) => requests.map(() => ({ outcome: 'unloaded' }));
    t.engine.gateRelease = (...args) => (released++, realRelease(...args));
    try {
      const refused = await hold(perf, bob.headers, { seatNos: [2, 3] });
      expect([refused.statusCode, refused.json().error.details]).toEqual([409, { seatNos: [2] }]);
      await t.holds.settled();
      expect(released).toBe(0);
    } finally {
      t.engine.gateRelease = realRelease;
    }
    expect(await heldSeats(perf)).toEqual([1, 2]);
  });
});
