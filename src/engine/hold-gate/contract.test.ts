import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { bytesInUse, closeEngines, engineAdapters, waitToExpiry } from '../../../test/engines.js';
import { TestClock } from '../../../test/harness.js';
import { VERSION_TTL_MS } from '../availability/port.js';
import type { Engine } from '../index.js';
import { GATE_PROVISIONAL_MS, type GateAcquireResult, type GateHold, type GateRequest } from './port.js';

afterAll(closeEngines);

let perfCounter = 0;
const newPerf = () => `gate${Date.now()}${++perfCounter}`;
const MINUTE = 60_000;

/** A gate loaded empty, as after the first rebuild of a performance with no sales. */
async function loadedGate(engine: Engine, now: number): Promise<string> {
  const perf = newPerf();
  const version = await engine.gateVersion(perf, now);
  expect(await engine.gateLoad(perf, { holds: [], sold: [] }, version, 10 * MINUTE)).toBe(true);
  return perf;
}

const hold = (userId: string, seatNos: number[], expiresAt: number): GateHold => ({
  holdId: randomUUID(),
  userId,
  seatNos,
  expiresAt,
});

/**
 * A rebuild of a sold-out performance of 50,000 seats, 4 to each of 12,500 buyers: megabytes in the
 * memory engine, so that whether it was forgotten shows in the heap.
 */
async function loadSoldOut(engine: Engine, perf: string, now: number, ttlMs: number): Promise<void> {
  const sold = Array.from({ length: 12_500 }, (_, u) => ({
    userId: `u${u}`,
    seatNos: [0, 1, 2, 3].map((s) => u * 4 + s),
  }));
  expect(await engine.gateLoad(perf, { holds: [], sold }, await engine.gateVersion(perf, now), ttlMs)).toBe(
    true,
  );
}

describe.each(engineAdapters())('hold gate contract: $name', (adapter) => {
  it('when the gate was never loaded, then acquire says so and marks nothing', async () => {
    const engine = await adapter.open();
    const perf = newPerf();
    const now = Date.now();
    expect(await engine.gateAcquire(perf, hold('u1', [1], now + MINUTE), 4, now)).toEqual({
      outcome: 'unloaded',
    });
  });

  it('when seats are held, then an overlapping hold is refused with exactly the taken seats, all-or-nothing', async () => {
    const engine = await adapter.open();
    const now = Date.now();
    const perf = await loadedGate(engine, now);
    expect(await engine.gateAcquire(perf, hold('u1', [1, 2, 3], now + MINUTE), 10, now)).toEqual({
      outcome: 'held',
    });
    const refused = await engine.gateAcquire(perf, hold('u2', [3, 4, 1], now + MINUTE), 10, now);
    expect(refused.outcome).toBe('taken');
    expect(refused.outcome === 'taken' && refused.seatNos.sort()).toEqual([1, 3]);
    // Seat 4 was not marked by the refused request.
    expect((await engine.gateAcquire(perf, hold('u2', [4], now + MINUTE), 10, now)).outcome).toBe('held');
  });

  it('when many buyers race for one seat, then exactly one gets it', async () => {
    const engine = await adapter.open();
    const peer = await adapter.peer(engine);
    const now = Date.now();
    const perf = await loadedGate(engine, now);
    const results = await Promise.all(
      Array.from({ length: 500 }, (_, i) =>
        (i % 2 ? peer : engine).gateAcquire(perf, hold(`u${i}`, [7], now + MINUTE), 4, now),
      ),
    );
    expect(results.filter((r) => r.outcome === 'held')).toHaveLength(1);
    expect(results.filter((r) => r.outcome === 'taken')).toHaveLength(499);
  });

  it('when a hold has expired, then its seats can be taken over and it no longer counts for its buyer', async () => {
    const engine = await adapter.open();
    const now = Date.now();
    const perf = await loadedGate(engine, now);
    await engine.gateAcquire(perf, hold('u1', [1, 2], now + 1_000), 2, now);
    expect((await engine.gateAcquire(perf, hold('u1', [5], now + MINUTE), 2, now)).outcome).toBe('limit');
    const last = now + 999;
    expect((await engine.gateAcquire(perf, hold('u2', [1], last + MINUTE), 2, last)).outcome).toBe('taken');
    const later = now + 1_000; // its expiresAt: the seats are free from that instant on
    expect((await engine.gateAcquire(perf, hold('u2', [1], later + MINUTE), 2, later)).outcome).toBe('held');
    expect((await engine.gateAcquire(perf, hold('u1', [5, 6], later + MINUTE), 2, later)).outcome).toBe(
      'held',
    );
  });

  it('when a hold never reached PostgreSQL (its node died), then its marks lapse soon; placed ones stand', async () => {
    const engine = await adapter.open();
    const now = Date.now();
    const perf = await loadedGate(engine, now);
    // The seat map, all 16 seats free; a placed hold's seats are flipped to taken, as nodes do.
    const { version } = await engine.availabilityRead(perf, now);
    expect(await engine.availabilityStore(perf, Buffer.from([0xff, 0xff]), version, 10 * MINUTE)).toBe(true);
    const lost = hold('u1', [1, 2], now + 10 * MINUTE);
    const placed = hold('u2', [3], now + 10 * MINUTE);
    const acquired = await engine.gateAcquireMany(
      perf,
      [
        { hold: lost, cap: 2 },
        { hold: placed, cap: 2 },
      ],
      now,
    );
    expect(acquired.map((r) => r.outcome)).toEqual(['held', 'held']);
    await engine.availabilityFlip(perf, placed.seatNos, false, now);

    const before = now + GATE_PROVISIONAL_MS - 1;
    expect((await engine.gateAcquire(perf, hold('u3', [1], before + MINUTE), 4, before)).outcome).toBe(
      'taken',
    );
    const after = now + GATE_PROVISIONAL_MS; // lapsed from that instant on, as a hold at its expiresAt
    expect((await engine.gateAcquire(perf, hold('u3', [1, 2], after + MINUTE), 4, after)).outcome).toBe(
      'held',
    );
    expect(await engine.gateAcquire(perf, hold('u3', [3], after + MINUTE), 4, after)).toEqual({
      outcome: 'taken',
      seatNos: [3],
    });
    // The lost hold no longer counts for its buyer; the placed one still does for its own.
    expect((await engine.gateAcquire(perf, hold('u1', [5, 6], after + MINUTE), 2, after)).outcome).toBe(
      'held',
    );
    expect((await engine.gateAcquire(perf, hold('u2', [7, 8], after + MINUTE), 2, after)).outcome).toBe(
      'limit',
    );
  });

  it('when there is no seat map, then a mark stands until its hold expires', async () => {
    const engine = await adapter.open();
    const now = Date.now();
    const perf = await loadedGate(engine, now);
    await engine.gateAcquire(perf, hold('u1', [1], now + MINUTE), 4, now);
    const after = now + GATE_PROVISIONAL_MS + 1;
    expect((await engine.gateAcquire(perf, hold('u2', [1], after + MINUTE), 4, after)).outcome).toBe('taken');
    const expired = now + MINUTE + 1;
    expect((await engine.gateAcquire(perf, hold('u2', [1], expired + MINUTE), 4, expired)).outcome).toBe(
      'held',
    );
  });

  it("when a rebuild's hold is on seats the seat map shows free, then its marks and count stand until it expires: PostgreSQL placed it", async () => {
    const engine = await adapter.open();
    const perf = newPerf();
    const now = Date.now();
    const placed = hold('u1', [1, 2], now + MINUTE);
    const version = await engine.gateVersion(perf, now);
    expect(await engine.gateLoad(perf, { holds: [placed], sold: [] }, version, 10 * MINUTE)).toBe(true);
    // A seat map that missed the hold's flip (its node died right after PostgreSQL placed it).
    const map = await engine.availabilityRead(perf, now);
    expect(await engine.availabilityStore(perf, Buffer.from([0xff]), map.version, 10 * MINUTE)).toBe(true);

    const after = now + GATE_PROVISIONAL_MS + 1;
    const probe = await engine.gateAcquire(perf, hold('u2', [1, 2, 3], after + MINUTE), 4, after);
    expect(probe.outcome === 'taken' && probe.seatNos.sort()).toEqual([1, 2]);
    expect(await engine.gateAcquire(perf, hold('u1', [3], after + MINUTE), 2, after)).toEqual({
      outcome: 'limit',
      count: 2,
    });
    const expired = now + MINUTE;
    expect((await engine.gateAcquire(perf, hold('u2', [1, 2], expired + MINUTE), 4, expired)).outcome).toBe(
      'held',
    );
  });

  it('when a buyer would exceed the cap across holds and purchases, then the hold is refused with the count', async () => {
    const engine = await adapter.open();
    const now = Date.now();
    const perf = await loadedGate(engine, now);
    const first = hold('u1', [1, 2], now + MINUTE);
    await engine.gateAcquire(perf, first, 4, now);
    await engine.gateSell(perf, first);
    await engine.gateAcquire(perf, hold('u1', [3], now + MINUTE), 4, now);
    expect(await engine.gateAcquire(perf, hold('u1', [4, 5], now + MINUTE), 4, now)).toEqual({
      outcome: 'limit',
      count: 3,
    });
    // Another buyer is not affected.
    expect((await engine.gateAcquire(perf, hold('u2', [4, 5], now + MINUTE), 4, now)).outcome).toBe('held');
  });

  it('when several holds ask in one call, then each is decided in order as by calls of its own', async () => {
    const engine = await adapter.open();
    const now = Date.now();
    const perf = await loadedGate(engine, now);
    const at = now + MINUTE;
    const results = await engine.gateAcquireMany(
      perf,
      [
        { hold: hold('u1', [1, 2], at), cap: 3 },
        { hold: hold('u2', [3, 2], at), cap: 3 }, // seat 2 went to the first: nothing marked
        { hold: hold('u2', [3], at), cap: 3 },
        { hold: hold('u1', [5, 6], at), cap: 3 }, // u1 has 2 of 3 by now
        { hold: hold('u1', [5], at), cap: 3 },
        { hold: hold('u3', [5], at), cap: 3 },
      ],
      now,
    );
    expect(results).toEqual([
      { outcome: 'held' },
      { outcome: 'taken', seatNos: [2] },
      { outcome: 'held' },
      { outcome: 'limit', count: 2 },
      { outcome: 'held' },
      { outcome: 'taken', seatNos: [5] },
    ]);
    const probe = await engine.gateAcquire(perf, hold('u4', [1, 2, 3, 4, 5, 6], at), 10, now);
    expect(probe.outcome === 'taken' && probe.seatNos.sort()).toEqual([1, 2, 3, 5]);
    expect(await engine.gateAcquireMany(perf, [], now)).toEqual([]);
    expect(await engine.gateAcquireMany(newPerf(), [{ hold: hold('u1', [1], at), cap: 4 }], now)).toEqual([
      { outcome: 'unloaded' },
    ]);
  });

  it("when holds count against a buyer's rate limit, then the one past it is limited and changes nothing, other buyers and uncounted retries are not, and the window resets", async () => {
    const clock = new TestClock();
    const engine = await adapter.open(clock);
    const now = clock.now();
    const perf = await loadedGate(engine, now);
    const at = now + MINUTE;
    const limit = { max: 3, windowMs: 1_000 };
    // u1 is counted three times (a hold, a refusal, a hold), all in one call with others between.
    const results = await engine.gateAcquireMany(
      perf,
      [
        { hold: hold('u1', [1], at), cap: 10, limit },
        { hold: hold('u2', [1], at), cap: 10, limit },
        { hold: hold('u1', [1], at), cap: 10, limit },
        { hold: hold('u1', [2], at), cap: 10, limit },
        { hold: hold('u1', [3], at), cap: 10, limit },
        { hold: hold('u2', [3], at), cap: 10, limit },
        // A best-available pick tried again within the same request is not counted again.
        { hold: hold('u1', [4], at), cap: 10 },
      ],
      now,
    );
    expect(results.map((r) => r.outcome)).toEqual([
      'held',
      'taken',
      'taken',
      'held',
      'limited',
      'held',
      'held',
    ]);
    const limited = results[4] as { retryAfterMs: number };
    expect(limited.retryAfterMs).toBeGreaterThan(0);
    expect(limited.retryAfterMs).toBeLessThanOrEqual(limit.windowMs);
    // The limited hold marked nothing: seat 3 went to u2 after it.
    const probe = await engine.gateAcquire(perf, hold('u9', [3], at), 10, now);
    expect(probe).toEqual({ outcome: 'taken', seatNos: [3] });
    // Counted even while the gate must be rebuilt, so a rebuild opens no gap.
    const cold = newPerf();
    const unloaded = await engine.gateAcquireMany(
      cold,
      [1, 2, 3, 4].map((seat) => ({ hold: hold('u1', [seat], at), cap: 10, limit })),
      now,
    );
    expect(unloaded.map((r) => r.outcome)).toEqual(['unloaded', 'unloaded', 'unloaded', 'limited']);
    await adapter.wait(clock, limit.windowMs + 50);
    const later = clock.now();
    expect(
      (
        await engine.gateAcquireMany(perf, [{ hold: hold('u1', [5], later + MINUTE), cap: 10, limit }], later)
      )[0],
    ).toEqual({ outcome: 'held' });
  });

  it('when a random stream of holds is sent in batches, then every outcome and the end state are what the rules say', async () => {
    const engine = await adapter.open();
    const now = Date.now();
    const [one, many] = [await loadedGate(engine, now), await loadedGate(engine, now)];
    let seed = 7;
    const random = (n: number) => ((seed = (seed * 48_271) % 2_147_483_647), seed % n);
    const requests = Array.from({ length: 120 }, () => {
      const seats = [...new Set(Array.from({ length: 1 + random(3) }, () => random(40)))];
      // Some marks have lapsed by `now`, so that later holds take their seats over.
      const expiresAt = random(4) === 0 ? now - 1 : now + MINUTE;
      return { hold: hold(`u${random(5)}`, seats, expiresAt), cap: 2 + random(4) };
    });

    // The rules, written out apart from either adapter (no seat map here, so a mark stands until its
    // hold expires): a seat marked by an unexpired hold is taken, listed in the order asked; else the
    // buyer's unexpired held seats plus the new ones must fit the cap; else every seat is marked.
    const marks = new Map<number, number>(); // seat → expiry
    const heldBy = new Map<string, { seats: number; expiresAt: number }[]>();
    const rules = ({ hold: h, cap }: GateRequest): GateAcquireResult => {
      const taken = h.seatNos.filter((seat) => (marks.get(seat) ?? -Infinity) > now);
      if (taken.length > 0) return { outcome: 'taken', seatNos: taken };
      const holds = heldBy.get(h.userId) ?? [];
      const count = holds.filter((x) => x.expiresAt > now).reduce((n, x) => n + x.seats, 0);
      if (count + h.seatNos.length > cap) return { outcome: 'limit', count };
      heldBy.set(h.userId, [...holds, { seats: h.seatNos.length, expiresAt: h.expiresAt }]);
      for (const seat of h.seatNos) marks.set(seat, h.expiresAt);
      return { outcome: 'held' };
    };
    const expected = requests.map(rules);
    expect(expected.filter((r) => r.outcome === 'held').length).toBeGreaterThan(10);
    expect(expected.filter((r) => r.outcome === 'taken').length).toBeGreaterThan(10);
    expect(expected.filter((r) => r.outcome === 'limit').length).toBeGreaterThan(0);

    const sequential = [];
    for (const r of requests) sequential.push(await engine.gateAcquire(one, r.hold, r.cap, now));
    const batched = [];
    for (let i = 0; i < requests.length; i += 1 + (i % 17))
      batched.push(...(await engine.gateAcquireMany(many, requests.slice(i, i + 1 + (i % 17)), now)));
    expect(sequential).toEqual(expected);
    expect(batched).toEqual(expected);

    // The marks and counts left behind are the rules' too: probe every seat and every buyer.
    const probes = [
      ...Array.from({ length: 40 }, (_, s) => ({ hold: hold('probe', [s], now + MINUTE), cap: 99 })),
      ...Array.from({ length: 5 }, (_, u) => ({ hold: hold(`u${u}`, [100 + u], now + MINUTE), cap: 5 })),
    ];
    const expectedProbes = probes.map((p) => {
      const outcome = rules(p);
      // Each probe is released again at once, in the rules as in the gate.
      if (outcome.outcome === 'held') {
        marks.delete(p.hold.seatNos[0]!);
        heldBy.get(p.hold.userId)!.pop();
      }
      return outcome;
    });
    expect(expectedProbes.filter((r) => r.outcome === 'taken').length).toBeGreaterThan(5);
    const probe = async (perf: string) => {
      const out = [];
      for (const p of probes) {
        out.push(await engine.gateAcquire(perf, p.hold, p.cap, now));
        await engine.gateRelease(perf, p.hold, now);
      }
      return out;
    };
    expect(await probe(one)).toEqual(expectedProbes);
    expect(await probe(many)).toEqual(expectedProbes);
  });

  it('when several holds are sold in one call, then their seats are taken and count as bought', async () => {
    const engine = await adapter.open();
    const now = Date.now();
    const perf = await loadedGate(engine, now);
    const a = hold('u1', [1, 2], now + 1_000);
    const b = hold('u2', [3], now + 1_000);
    await engine.gateAcquireMany(
      perf,
      [a, b].map((h) => ({ hold: h, cap: 2 })),
      now,
    );
    await engine.gateSellMany(perf, [a, b]);
    await engine.gateSellMany(perf, []);
    const muchLater = now + 10 * MINUTE;
    const probe = await engine.gateAcquire(perf, hold('u3', [1, 2, 3, 4], muchLater + MINUTE), 4, muchLater);
    expect(probe.outcome === 'taken' && probe.seatNos.sort()).toEqual([1, 2, 3]);
    expect(await engine.gateAcquire(perf, hold('u1', [4], muchLater + MINUTE), 2, muchLater)).toEqual({
      outcome: 'limit',
      count: 2,
    });
    expect((await engine.gateAcquire(perf, hold('u2', [4], muchLater + MINUTE), 2, muchLater)).outcome).toBe(
      'held',
    );
  });

  it('when a hold is released, then only its own marks go and a newer hold on a taken-over seat stays', async () => {
    const engine = await adapter.open();
    const now = Date.now();
    const perf = await loadedGate(engine, now);
    const old = hold('u1', [1, 2], now + 1_000);
    await engine.gateAcquire(perf, old, 4, now);
    const later = now + 2_000;
    const newer = hold('u2', [2], later + MINUTE);
    expect((await engine.gateAcquire(perf, newer, 4, later)).outcome).toBe('held');
    await engine.gateRelease(perf, old, later);
    expect((await engine.gateAcquire(perf, hold('u3', [2], later + MINUTE), 4, later)).outcome).toBe('taken');
    expect((await engine.gateAcquire(perf, hold('u3', [1], later + MINUTE), 4, later)).outcome).toBe('held');
  });

  it('when an unexpired hold is released, then its seats are free and it no longer counts for its buyer, at once', async () => {
    const engine = await adapter.open();
    const now = Date.now();
    const perf = await loadedGate(engine, now);
    const released = hold('u1', [1, 2], now + MINUTE);
    await engine.gateAcquire(perf, released, 2, now);
    await engine.gateRelease(perf, released, now);
    expect((await engine.gateAcquire(perf, hold('u2', [1, 2], now + MINUTE), 4, now)).outcome).toBe('held');
    expect((await engine.gateAcquire(perf, hold('u1', [3, 4], now + MINUTE), 2, now)).outcome).toBe('held');
  });

  it('when a hold the gate never saw is released or sold (it went straight to PostgreSQL while the gate was unloaded), then the release changes nothing and the sale marks and counts its seats', async () => {
    const engine = await adapter.open();
    const now = Date.now();
    const perf = await loadedGate(engine, now);
    await engine.gateAcquire(perf, hold('u1', [1], now + MINUTE), 4, now);
    // Neither buyer is known to the gate.
    await engine.gateRelease(perf, hold('u2', [1], now + MINUTE), now);
    await engine.gateSell(perf, hold('u3', [2, 3], now + MINUTE));
    const probe = await engine.gateAcquire(perf, hold('u4', [1, 2, 3, 4], now + MINUTE), 4, now);
    expect(probe.outcome === 'taken' && probe.seatNos.sort()).toEqual([1, 2, 3]);
    expect(await engine.gateAcquire(perf, hold('u3', [4], now + MINUTE), 2, now)).toEqual({
      outcome: 'limit',
      count: 2,
    });
  });

  it('when seats are sold, then they stay taken until unsold, and unselling frees the buyer count', async () => {
    const engine = await adapter.open();
    const now = Date.now();
    const perf = await loadedGate(engine, now);
    const bought = hold('u1', [1, 2], now + 1_000);
    await engine.gateAcquire(perf, bought, 2, now);
    await engine.gateSell(perf, bought);
    const muchLater = now + 10 * MINUTE;
    expect((await engine.gateAcquire(perf, hold('u2', [1], muchLater + MINUTE), 4, muchLater)).outcome).toBe(
      'taken',
    );
    await engine.gateUnsell(perf, 'u1', [1, 2], now);
    expect((await engine.gateAcquire(perf, hold('u2', [1], now + MINUTE), 4, now)).outcome).toBe('held');
    expect((await engine.gateAcquire(perf, hold('u1', [5, 6], now + MINUTE), 2, now)).outcome).toBe('held');
  });

  it('when an unsell names seats that are not sold, or a buyer the gate does not know, then only sold seats are freed and leave the count', async () => {
    const engine = await adapter.open();
    const now = Date.now();
    const perf = await loadedGate(engine, now);
    const bought = hold('u1', [1, 2], now + MINUTE);
    await engine.gateAcquire(perf, bought, 2, now);
    await engine.gateSell(perf, bought);
    await engine.gateAcquire(perf, hold('u2', [3], now + MINUTE), 2, now);
    // Seat 3 is held, seat 4 is free: neither is u1's to give back.
    await engine.gateUnsell(perf, 'u1', [2, 3, 4], now);
    await engine.gateUnsell(perf, 'u9', [5], now);
    expect(await engine.gateAcquire(perf, hold('u1', [5, 6], now + MINUTE), 2, now)).toEqual({
      outcome: 'limit',
      count: 1,
    });
    const probe = await engine.gateAcquire(perf, hold('u3', [1, 2, 3], now + MINUTE), 4, now);
    expect(probe.outcome === 'taken' && probe.seatNos.sort()).toEqual([1, 3]);
    expect((await engine.gateAcquire(perf, hold('u3', [2, 4], now + MINUTE), 4, now)).outcome).toBe('held');
  });

  it('when the gate is not loaded, then a sale and an unsell change nothing there, and the unsell still moves the version', async () => {
    const engine = await adapter.open();
    const perf = newPerf();
    const now = Date.now();
    const version = await engine.gateVersion(perf, now);
    const bought = hold('u1', [1, 2], now + MINUTE);
    await engine.gateSell(perf, bought);
    await engine.gateSellMany(perf, [bought]);
    await engine.gateUnsell(perf, 'u1', [1, 2], now);
    // So that a rebuild that read PostgreSQL before the refund is refused.
    expect(await engine.gateVersion(perf, now)).toBe(version + 1);
    expect((await engine.gateAcquire(perf, hold('u2', [1], now + MINUTE), 4, now)).outcome).toBe('unloaded');
  });

  it('when a release runs while a rebuild reads PostgreSQL, then the rebuild is refused; a rebuild replaces the gate', async () => {
    const engine = await adapter.open();
    const perf = newPerf();
    const now = Date.now();
    const version = await engine.gateVersion(perf, now);
    const h = hold('u1', [1], now + MINUTE);
    await engine.gateRelease(perf, h, now);
    expect(await engine.gateLoad(perf, { holds: [h], sold: [] }, version, MINUTE)).toBe(false);

    const fresh = await engine.gateVersion(perf, now);
    expect(
      await engine.gateLoad(perf, { holds: [h], sold: [{ userId: 'u2', seatNos: [8, 9] }] }, fresh, MINUTE),
    ).toBe(true);
    const probe = await engine.gateAcquire(perf, hold('u3', [1, 8, 3], now + MINUTE), 4, now);
    expect(probe.outcome === 'taken' && probe.seatNos.sort()).toEqual([1, 8]);
    expect(await engine.gateAcquire(perf, hold('u1', [2, 3, 4], now + MINUTE), 3, now)).toEqual({
      outcome: 'limit',
      count: 1,
    });
    expect(await engine.gateAcquire(perf, hold('u2', [2], now + MINUTE), 2, now)).toEqual({
      outcome: 'limit',
      count: 2,
    });
  });

  it('when a rebuild of a large sold-out performance is loaded, then every seat is taken', async () => {
    const engine = await adapter.open();
    const perf = newPerf();
    const now = Date.now();
    await loadSoldOut(engine, perf, now, MINUTE);
    const probe = await engine.gateAcquire(perf, hold('x', [0, 25_000, 49_999], now + MINUTE), 4, now);
    expect(probe.outcome === 'taken' && probe.seatNos).toHaveLength(3);
  });

  it('when the rebuild reaches its ttl, then the gate must be rebuilt', async () => {
    const clock = new TestClock();
    const engine = await adapter.open(clock);
    const perf = newPerf();
    const version = await engine.gateVersion(perf, clock.now());
    // A second of ttl, read at a fifth of it: on Redis (real time) a loaded machine's stall must not
    // expire the gate before the first look.
    await engine.gateLoad(perf, { holds: [], sold: [] }, version, 1_000);
    await adapter.wait(clock, 200);
    expect(
      (await engine.gateAcquire(perf, hold('u1', [1], clock.now() + MINUTE), 4, clock.now())).outcome,
    ).toBe('held');
    await waitToExpiry(adapter, clock, 800);
    expect(
      (await engine.gateAcquire(perf, hold('u1', [2], clock.now() + MINUTE), 4, clock.now())).outcome,
    ).toBe('unloaded');
  });

  it.skipIf(adapter.name !== 'memory')(
    "when a gate's marks reach twice the rebuild's ttl (memory: the test clock), then the next call on that gate forgets them from memory",
    async () => {
      const clock = new TestClock();
      const engine = await adapter.open(clock);
      const perf = newPerf();
      const before = await bytesInUse();
      await loadSoldOut(engine, perf, clock.now(), MINUTE);
      const loaded = (await bytesInUse()) - before;
      expect(loaded).toBeGreaterThan(4 * 2 ** 20); // the measurement can see the gate at all
      const probe = async () =>
        (await engine.gateAcquire(perf, hold('x', [0], clock.now() + MINUTE), 4, clock.now())).outcome;

      await adapter.wait(clock, 2 * MINUTE - 1);
      expect(await probe()).toBe('unloaded'); // past the ready flag: only a rebuild reads the marks
      expect((await bytesInUse()) - before).toBeGreaterThan(loaded / 2);
      await adapter.wait(clock, 1); // exactly the instant
      expect(await probe()).toBe('unloaded');
      expect((await bytesInUse()) - before).toBeLessThan(loaded / 2);
    },
  );

  it.skipIf(adapter.name !== 'memory')(
    "when a gate's marks reach twice the rebuild's ttl (memory: the test clock), then the memory engine's sweep forgets them and keeps every live gate",
    async () => {
      // Only the sweep's timer is faked; the engine reads the time from the test clock.
      vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
      try {
        const clock = new TestClock();
        const engine = await adapter.open(clock);
        const now = clock.now();
        const live = await loadedGate(engine, now); // marks kept for 20 minutes
        await engine.gateAcquire(live, hold('u1', [1], now + 10 * MINUTE), 4, now);
        const before = await bytesInUse();
        await loadSoldOut(engine, newPerf(), now, MINUTE);
        const loaded = (await bytesInUse()) - before;
        expect(loaded).toBeGreaterThan(4 * 2 ** 20); // the measurement can see the gate at all

        await adapter.wait(clock, 2 * MINUTE - 1);
        vi.runOnlyPendingTimers(); // one sweep, whatever its period
        expect((await bytesInUse()) - before).toBeGreaterThan(loaded / 2);
        await adapter.wait(clock, 1); // exactly the instant
        vi.runOnlyPendingTimers();
        expect((await bytesInUse()) - before).toBeLessThan(loaded / 2);
        const probe = await engine.gateAcquire(live, hold('u2', [1], clock.now() + MINUTE), 4, clock.now());
        expect(probe).toEqual({ outcome: 'taken', seatNos: [1] });
      } finally {
        vi.useRealTimers();
      }
    },
  );

  it.skipIf(adapter.name !== 'memory')(
    "when the gate's version has not moved for a day (memory: the test clock), then it restarts above its last value, however far ahead that was",
    async () => {
      const clock = new TestClock();
      const engine = await adapter.open(clock);
      const perf = newPerf();
      const v0 = await engine.gateVersion(perf, clock.now());
      // Far ahead of the clock, as after a burst of releases.
      for (let i = 0; i < 1_000; i++) await engine.gateRelease(perf, hold('u1', [1], 0), clock.now());
      await adapter.wait(clock, VERSION_TTL_MS - 1);
      expect(await engine.gateVersion(perf, clock.now())).toBe(v0 + 1_000); // the last release kept it
      await adapter.wait(clock, 1);
      expect(await engine.gateVersion(perf, clock.now())).toBe(clock.now());
      expect(clock.now()).toBeGreaterThan(v0 + 1_000);
    },
  );

  it.skipIf(!adapter.keysWithoutExpiry)(
    'when the gate is written in every way, then each of its keys expires by itself',
    async () => {
      const engine = await adapter.open();
      const now = Date.now();
      const untimed = (perf: string) => adapter.keysWithoutExpiry!(engine, perf);
      // A release, an unsell and a version read each create the version when it is missing.
      const released = newPerf();
      await engine.gateRelease(released, hold('u1', [1], now + MINUTE), now);
      const unsold = newPerf();
      await engine.gateUnsell(unsold, 'u1', [1], now);
      expect([...(await untimed(released)), ...(await untimed(unsold))]).toEqual([]);

      const perf = await loadedGate(engine, now);
      const bought = hold('u1', [1, 2], now + MINUTE);
      await engine.gateAcquire(perf, bought, 4, now);
      await engine.gateSell(perf, bought);
      const held = hold('u2', [3], now + MINUTE);
      await engine.gateAcquire(perf, held, 4, now);
      await engine.gateRelease(perf, held, now);
      await engine.gateUnsell(perf, 'u1', [1], now);
      expect(await untimed(perf)).toEqual([]);
    },
  );
});
