import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { closeEngines, engineAdapters } from '../../../test/engines.js';
import { TestClock } from '../../../test/harness.js';
import { VERSION_TTL_MS } from './availability.js';
import type { Engine, GateHold } from './index.js';

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
    const later = now + 2_000;
    expect((await engine.gateAcquire(perf, hold('u2', [1], later + MINUTE), 2, later)).outcome).toBe('held');
    expect((await engine.gateAcquire(perf, hold('u1', [5, 6], later + MINUTE), 2, later)).outcome).toBe(
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
  });

  it('when a rebuild of a large sold-out performance is loaded, then every seat is taken', async () => {
    const engine = await adapter.open();
    const perf = newPerf();
    const now = Date.now();
    const seats = Array.from({ length: 50_000 }, (_, i) => i);
    const sold = Array.from({ length: 12_500 }, (_, u) => ({
      userId: `u${u}`,
      seatNos: seats.slice(u * 4, u * 4 + 4),
    }));
    expect(
      await engine.gateLoad(perf, { holds: [], sold }, await engine.gateVersion(perf, now), MINUTE),
    ).toBe(true);
    const probe = await engine.gateAcquire(perf, hold('x', [0, 25_000, 49_999], now + MINUTE), 4, now);
    expect(probe.outcome === 'taken' && probe.seatNos).toHaveLength(3);
  });

  it('when the rebuild outlives its ttl, then the gate must be rebuilt', async () => {
    const clock = new TestClock();
    const engine = await adapter.open(clock);
    const perf = newPerf();
    const version = await engine.gateVersion(perf, clock.now());
    await engine.gateLoad(perf, { holds: [], sold: [] }, version, 200);
    await adapter.wait(clock, 300);
    expect(
      (await engine.gateAcquire(perf, hold('u1', [1], clock.now() + MINUTE), 4, clock.now())).outcome,
    ).toBe('unloaded');
  });

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
