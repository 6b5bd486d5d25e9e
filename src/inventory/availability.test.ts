import { describe, expect, it } from 'vitest';
import { isFree } from '../contract/bitset.js';
import { createMemoryEngine } from '../engine/index.js';
import { AvailabilityService } from './availability.js';
import type { InventoryRepository } from './repository.js';

// The seat map's service on its own (issue 23: its rebuild and its batching of flips survived the
// booking suite, which reads the map only after PostgreSQL agrees with it): a memory engine and a
// PostgreSQL that says which seats are free and counts how often it is asked.
const SEATS = 16;

function setup(freeInPostgres: number[] = [...Array(SEATS).keys()]) {
  const engine = createMemoryEngine();
  let asked = 0;
  const inventory = {
    availableSeatNos: async () => (asked++, freeInPostgres),
  } as unknown as InventoryRepository;
  const flips: { seatNos: number[]; available: boolean }[] = [];
  const flip = engine.availabilityFlip.bind(engine);
  engine.availabilityFlip = (perf, seatNos, available, now) => {
    flips.push({ seatNos: [...seatNos], available });
    return flip(perf, seatNos, available, now);
  };
  const service = new AvailabilityService({ engine, inventory, clock: { now: () => Date.now() } });
  return { engine, service, flips, asked: () => asked };
}

describe('the seat map service', () => {
  it('when the map is read, then PostgreSQL is asked once, and the flips after it are what later reads see', async () => {
    const { service, asked } = setup([1, 2, 3]);
    const first = await service.read('p', SEATS);
    expect([isFree(first.bits, 1), isFree(first.bits, 4)]).toEqual([true, false]);
    await service.markTaken('p', [1]);
    const second = await service.read('p', SEATS);
    expect([isFree(second.bits, 1), isFree(second.bits, 2)]).toEqual([false, true]);
    expect(second.version).toBeGreaterThan(first.version);
    expect(asked()).toBe(1);
  });

  it('when flips of one direction come in one tick, then they go to the engine in one call; opposite ones keep their order', async () => {
    const { service, flips } = setup();
    await service.read('p', SEATS);
    await Promise.all([
      service.markTaken('p', [1]),
      service.markTaken('p', [2]),
      service.markTaken('q', [3]),
    ]);
    expect(flips).toEqual([
      { seatNos: [1, 2], available: false },
      { seatNos: [3], available: false },
    ]);
    flips.length = 0;
    // Taken, freed, taken, freed again in one tick: four calls in that order, and the seat ends free.
    await Promise.all([
      service.markTaken('p', [5]),
      service.markFree('p', [5]),
      service.markTaken('p', [5]),
      service.markFree('p', [5]),
    ]);
    expect(flips.map((f) => f.available)).toEqual([false, true, false, true]);
    expect(isFree((await service.read('p', SEATS)).bits, 5)).toBe(true);
  });

  it('when the engine refuses a flip, then every caller waiting on it is told', async () => {
    const { service, engine } = setup();
    engine.availabilityFlip = () => Promise.reject(new Error('engine unreachable'));
    const settled = await Promise.allSettled([service.markTaken('p', [1]), service.markTaken('p', [2])]);
    expect(settled.map((s) => (s.status === 'rejected' ? (s.reason as Error).message : s.status))).toEqual([
      'engine unreachable',
      'engine unreachable',
    ]);
  });
});
