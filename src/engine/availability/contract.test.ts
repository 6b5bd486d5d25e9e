import { isFree } from '../../contract/bitset.js';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { bytesInUse, closeEngines, engineAdapters, waitToExpiry } from '../../../test/engines.js';
import { TestClock } from '../../../test/harness.js';
import { VERSION_TTL_MS } from './port.js';

afterAll(closeEngines);

let perfCounter = 0;
const newPerf = () => `av${Date.now()}${++perfCounter}`;

describe.each(engineAdapters())('availability contract: $name', (adapter) => {
  it('when seats are flipped, then exactly those bits change, least significant bit first', async () => {
    const engine = await adapter.open();
    const perf = newPerf();
    const now = Date.now();
    const { version, bits } = await engine.availabilityRead(perf, now);
    expect(bits).toBeNull();
    expect(version).toBe(now); // a fresh version starts at the clock, never below an older one
    const all = Buffer.alloc(7, 0xff); // 50 seats → 7 bytes; the last byte's spare bits are padding
    expect(await engine.availabilityStore(perf, all, version, 60_000)).toBe(true);
    expect(await engine.availabilityStore(perf, all, version, 60_000)).toBe(false); // already stored

    const v2 = await engine.availabilityFlip(perf, [0, 9, 49], false, now);
    expect(v2).toBe(version + 1);
    const read = await engine.availabilityRead(perf, now);
    expect(read.version).toBe(v2);
    expect(read.bits![0]).toBe(0b1111_1110);
    expect(read.bits![1]).toBe(0b1111_1101);
    for (let seat = 0; seat < 50; seat++) expect(isFree(read.bits!, seat)).toBe(![0, 9, 49].includes(seat));

    await engine.availabilityFlip(perf, [9], true, now);
    expect(isFree((await engine.availabilityRead(perf, now)).bits!, 9)).toBe(true);
    // Seats past the end are ignored, never grow the bitset.
    await engine.availabilityFlip(perf, [10_000], false, now);
    expect((await engine.availabilityRead(perf, now)).bits!.length).toBe(7);
  });

  it('when a flip lands while a rebuild is reading PostgreSQL, then the rebuild does not store its stale picture', async () => {
    const engine = await adapter.open();
    const perf = newPerf();
    const now = Date.now();
    const before = await engine.availabilityRead(perf, now);
    const flipped = await engine.availabilityFlip(perf, [3], false, now); // no bitset yet: version still moves
    expect(flipped).toBe(before.version + 1);
    expect(await engine.availabilityStore(perf, Buffer.alloc(1, 0xff), before.version, 60_000)).toBe(false);
    expect((await engine.availabilityRead(perf, now)).bits).toBeNull();
    expect(await engine.availabilityStore(perf, Buffer.alloc(1, 0xf7), flipped, 60_000)).toBe(true);
  });

  it('when the stored bitset reaches its ttl, then it is gone and must be rebuilt', async () => {
    const clock = new TestClock();
    const engine = await adapter.open(clock);
    const perf = newPerf();
    const { version } = await engine.availabilityRead(perf, clock.now());
    // A second of ttl, read at a fifth of it: on Redis (real time) a loaded machine's stall must not
    // expire the bitset before the first look.
    await engine.availabilityStore(perf, Buffer.alloc(2, 0xff), version, 1_000);
    await adapter.wait(clock, 200);
    expect((await engine.availabilityRead(perf, clock.now())).bits).toEqual(Buffer.alloc(2, 0xff));
    await waitToExpiry(adapter, clock, 800);
    expect((await engine.availabilityRead(perf, clock.now())).bits).toBeNull();
  });

  it.skipIf(adapter.name !== 'memory')(
    "when a stored bitset reaches its ttl (memory: the test clock), then the memory engine's sweep forgets it and keeps every live one",
    async () => {
      // Only the sweep's timer is faked; the engine reads the time from the test clock.
      vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
      try {
        const clock = new TestClock();
        const engine = await adapter.open(clock);
        const live = newPerf();
        const read = await engine.availabilityRead(live, clock.now());
        await engine.availabilityStore(live, Buffer.alloc(2, 0xff), read.version, 10 * 60_000);
        const before = await bytesInUse();
        const expiring = newPerf();
        const { version } = await engine.availabilityRead(expiring, clock.now());
        // A megabyte (8 million seats), so that whether it was forgotten shows.
        await engine.availabilityStore(expiring, Buffer.alloc(1 << 20, 0xff), version, 60_000);
        const stored = (await bytesInUse()) - before;
        expect(stored).toBeGreaterThan(2 ** 19); // the measurement can see the bitset at all

        await adapter.wait(clock, 60_000 - 1);
        vi.runOnlyPendingTimers(); // one sweep, whatever its period
        expect((await bytesInUse()) - before).toBeGreaterThan(stored / 2);
        await adapter.wait(clock, 1); // exactly the instant
        vi.runOnlyPendingTimers();
        expect((await bytesInUse()) - before).toBeLessThan(stored / 2);
        expect((await engine.availabilityRead(live, clock.now())).bits).toEqual(Buffer.alloc(2, 0xff));
      } finally {
        vi.useRealTimers();
      }
    },
  );

  it.skipIf(adapter.name !== 'memory')(
    "when the bitset's version has not moved for a day (memory: the test clock), then it is forgotten and restarts above its last value",
    async () => {
      const clock = new TestClock();
      const engine = await adapter.open(clock);
      const perf = newPerf();
      const { version } = await engine.availabilityRead(perf, clock.now());
      await engine.availabilityStore(perf, Buffer.alloc(1, 0xff), version, 60_000);
      await adapter.wait(clock, 30_000);
      const flipped = await engine.availabilityFlip(perf, [1], false, clock.now());
      await adapter.wait(clock, VERSION_TTL_MS - 1);
      expect(await engine.availabilityRead(perf, clock.now())).toEqual({ version: flipped, bits: null });
      await adapter.wait(clock, 1);
      const restarted = await engine.availabilityRead(perf, clock.now());
      expect(restarted).toEqual({ version: clock.now(), bits: null });
      expect(restarted.version).toBeGreaterThan(flipped);
    },
  );

  it.skipIf(!adapter.keysWithoutExpiry)(
    'when a bitset is read, stored and flipped, then each of its keys expires by itself',
    async () => {
      const engine = await adapter.open();
      const now = Date.now();
      const untimed = (perf: string) => adapter.keysWithoutExpiry!(engine, perf);
      const flippedFirst = newPerf(); // a flip before any read creates the version
      await engine.availabilityFlip(flippedFirst, [1], false, now);
      const perf = newPerf();
      const { version } = await engine.availabilityRead(perf, now);
      expect(await untimed(perf)).toEqual([]);
      await engine.availabilityStore(perf, Buffer.alloc(2, 0xff), version, 60_000);
      await engine.availabilityFlip(perf, [3], false, now);
      expect([...(await untimed(perf)), ...(await untimed(flippedFirst))]).toEqual([]);
    },
  );
});
