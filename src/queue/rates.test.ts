import { describe, expect, it } from 'vitest';
import { TestClock } from '../../test/harness.js';
import type { WaitingRoom } from '../engine/waiting-room/port.js';
import type { Availability } from '../engine/availability/port.js';
import type { PerformanceRow } from '../inventory/performance.js';
import { AdmissionRates, FORGET_AFTER_MS } from './rates.js';
import { etaSeconds } from './eta.js';

const perf = {
  id: 'p',
  seatCount: 20,
  admitPerSecond: 10,
  maxActive: 50,
  passTtlSeconds: 60,
} as PerformanceRow;

describe('admission rates', () => {
  it('when the admitted counter restarts (a Redis wipe), then admissions are measured afresh, never from before it', () => {
    const clock = new TestClock(0);
    const rates = new AdmissionRates({ engine: {} as WaitingRoom & Availability, clock });
    // At the cap (50 active) throughout, so the outlook's rate is the admissions counted: 5 a second.
    const atCap = (fromMs: number, total: number) => {
      for (let s = 0; s <= 12; s++) {
        clock.advance(fromMs + s * 1000 - clock.now());
        rates.record('p', { admittedTotal: total + 5 * s, active: 50 });
      }
    };
    atCap(0, 1_000);
    expect(rates.outlook(perf)).toMatchObject({ state: 'measured', steadyRate: 5 });
    // The counter starts again from 3: the samples before it are dropped, so nothing is measured yet
    // (not a rate from 1,060 down to 3).
    clock.advance(500);
    rates.record('p', { admittedTotal: 3, active: 50 });
    expect(rates.outlook(perf).state).toBe('rough');
    expect(rates.outlook(perf).steadyRate).toBeGreaterThan(0);
    atCap(13_500, 8);
    expect(rates.outlook(perf)).toMatchObject({ state: 'measured', steadyRate: 5 });
  });

  it('when the counters restart mid-sale, then every ETA stays a whole number of seconds or none, never negative or NaN', () => {
    const clock = new TestClock(0);
    const rates = new AdmissionRates({ engine: {} as WaitingRoom & Availability, clock });
    const etas: (number | null)[] = [];
    const at = (ms: number, total: number, active: number) => {
      clock.advance(ms - clock.now());
      rates.record('p', { admittedTotal: total, active });
      for (const position of [1, 10, 10_000]) etas.push(etaSeconds(rates.outlook(perf), position));
    };
    for (let s = 0; s < 30; s++) at(s * 1000, 10 * s, Math.min(50, 10 * s));
    // Wiped: both counters back at zero, then moving again; then garbage the adapter should never give.
    at(30_500, 0, 0);
    at(31_000, 4, 4);
    at(31_500, Number.NaN, 3);
    at(32_000, 9, -7);
    for (const eta of etas) {
      if (eta !== null) {
        expect(Number.isInteger(eta)).toBe(true);
        expect(eta).toBeGreaterThanOrEqual(0);
      }
    }
    expect(etaSeconds(rates.outlook(perf), 100)).not.toBeNull();
  });

  it('when the availability bitset is read, then the seats left are its free seats, at most once a second, and unknown while it is missing', async () => {
    const clock = new TestClock(0);
    let reads = 0;
    let bits: Buffer | null = Buffer.from([0b1010_1010, 0b0000_0001, 0xff]);
    const engine = {
      availabilityRead: async () => {
        reads++;
        return { version: 1, bits };
      },
    } as unknown as WaitingRoom & Availability;
    const rates = new AdmissionRates({ engine, clock });
    await rates.refreshSeats(perf);
    // Seats 0..19: four in the first byte, one in the second, four of the third's first four bits.
    expect(rates.seatsLeft('p')).toBe(9);
    await rates.refreshSeats(perf);
    expect(reads).toBe(1);
    bits = null;
    clock.advance(1_000);
    await rates.refreshSeats(perf);
    expect([reads, rates.seatsLeft('p')]).toEqual([2, undefined]);
  });

  it('when nobody asks a node about a performance for FORGET_AFTER_MS, then it keeps nothing of it, and keeps what it is still asked about', async () => {
    const clock = new TestClock(0);
    const engine = {
      availabilityRead: async () => ({ bits: new Uint8Array(3).fill(0xff), version: 1 }),
    } as unknown as WaitingRoom & Availability;
    const rates = new AdmissionRates({ engine, clock });
    const kept = () => {
      const maps = rates as unknown as Record<'samples' | 'seats' | 'outlooks', Map<string, unknown>>;
      return [maps.samples, maps.seats, maps.outlooks].map((m) => [...m.keys()].sort());
    };
    const ended = { ...perf, id: 'ended' };
    for (const p of [perf, ended]) {
      rates.record(p.id, { admittedTotal: 10, active: 5 });
      await rates.refreshSeats(p);
      rates.outlook(p);
    }
    expect(kept()).toEqual([
      ['ended', 'p'],
      ['ended', 'p'],
      ['ended', 'p'],
    ]);
    // `p` is still asked about; `ended` is not.
    clock.advance(FORGET_AFTER_MS - 1_000);
    rates.record('p', { admittedTotal: 20, active: 5 });
    expect(kept()).toEqual([
      ['ended', 'p'],
      ['ended', 'p'],
      ['ended', 'p'],
    ]);
    clock.advance(1_000);
    await rates.refreshSeats(perf);
    expect(kept()).toEqual([['p'], ['p'], ['p']]);
    expect(rates.seatsLeft('ended')).toBeUndefined();
  });
});
