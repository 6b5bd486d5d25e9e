import { describe, expect, it } from 'vitest';
import { freeSeats } from '../contract/bitset.js';
import { createMemoryEngine } from '../engine/index.js';
import type { PerformanceRow } from '../inventory/performance.js';
import type { InventoryRepository } from '../inventory/repository.js';
import { SoldOutCheck } from './sold-out.js';

// How often the sold-out check asks PostgreSQL, and what it believes in between: the room's admissions
// hang on it, and a check that asked on every tick would put the database under every waiting room.

const T0 = 1_000_000;
const perf = { id: 'perf-1', seatCount: 16 } as PerformanceRow;

function setup() {
  let clockNow = T0;
  const engine = createMemoryEngine({ clock: { now: () => clockNow } });
  const db = { soldOut: false, asked: 0, fail: false };
  const inventory = {
    isSoldOut: async (id: string, seatCount: number) => {
      expect([id, seatCount]).toEqual([perf.id, perf.seatCount]);
      db.asked++;
      if (db.fail) throw new Error('the database is down');
      return db.soldOut;
    },
  } as unknown as InventoryRepository;
  const check = new SoldOutCheck({ engine, inventory });
  const at = (ms: number) => {
    clockNow = T0 + ms;
    return check.check(perf, T0 + ms);
  };
  /** Stores a bitset showing `free` seats available, as a rebuild would. */
  const showFree = async (free: number[]) => {
    const { version } = await engine.availabilityRead(perf.id, clockNow);
    const bits = Buffer.alloc(2);
    for (const seat of free) bits[seat >> 3]! |= 1 << (seat & 7);
    expect(await engine.availabilityStore(perf.id, bits, version, 60_000)).toBe(true);
  };
  return { engine, db, at, showFree, now: () => clockNow };
}

describe('the sold-out check', () => {
  it('when asked again within a second, then it has nothing to say; at a second, it asks again', async () => {
    const { db, at } = setup();
    expect(await at(0)).toBe(false);
    expect(await at(999)).toBeUndefined();
    expect(db.asked).toBe(1);
    expect(await at(1_000)).toBe(false);
    expect(db.asked).toBe(2);
  });

  it('when the database fails, then it is not asked again before the second is up', async () => {
    const { db, at } = setup();
    db.fail = true;
    await expect(at(0)).rejects.toThrow('the database is down');
    expect(await at(500)).toBeUndefined();
    expect(db.asked).toBe(1);
    db.fail = false;
    expect(await at(1_000)).toBe(false);
  });

  it('when the seat map shows a free seat, then the database is believed for 5 s before it is asked again', async () => {
    const { db, at, showFree } = setup();
    await showFree([3]);
    expect(await at(0)).toBe(false); // never asked before: asks
    expect(db.asked).toBe(1);
    db.soldOut = true; // the seat sold on a node that died before it flipped the map
    expect(await at(1_000)).toBe(false);
    expect(await at(4_000)).toBe(false);
    expect(db.asked).toBe(1);
    expect(await at(5_000)).toBe(true);
    expect(db.asked).toBe(3); // sold out while the map shows a free seat: flipped, then asked again
  });

  it('when the database says sold out while the map shows free seats, then the map is corrected', async () => {
    const { engine, db, at, showFree, now } = setup();
    await showFree([1, 9]);
    db.soldOut = true;
    expect(await at(0)).toBe(true);
    const { bits } = await engine.availabilityRead(perf.id, now());
    expect(freeSeats(bits!)).toEqual([]);
  });

  it('when sold out, then it stays so without asking until the seat map moves (a release or refund)', async () => {
    const { engine, db, at, now } = setup();
    db.soldOut = true;
    expect(await at(0)).toBe(true);
    expect(await at(1_000)).toBe(true);
    expect(await at(60_000)).toBe(true);
    expect(db.asked).toBe(1);
    await engine.availabilityFlip(perf.id, [4], true, now()); // a refund put seat 4 back
    db.soldOut = false;
    expect(await at(61_000)).toBe(false);
    expect(db.asked).toBe(2);
  });

  it('when the first check fails while the map shows a free seat, then the next one asks the database, not the map', async () => {
    const { db, at, showFree } = setup();
    await showFree([3]);
    db.fail = true;
    await expect(at(0)).rejects.toThrow('the database is down');
    db.fail = false;
    db.soldOut = true;
    expect(await at(1_000)).toBe(true);
    expect(db.asked).toBe(3);
  });

  it('when the map is stored but shows every seat taken, then it is no reason to believe the room open', async () => {
    const { db, at, showFree } = setup();
    await showFree([]);
    for (const ms of [0, 1_000, 2_000]) expect(await at(ms)).toBe(false);
    expect(db.asked).toBe(3);
  });

  it('when not sold out and the map shows nothing free, then the database is asked every second', async () => {
    const { db, at } = setup();
    for (const ms of [0, 1_000, 2_000]) expect(await at(ms)).toBe(false);
    expect(db.asked).toBe(3);
  });
});
