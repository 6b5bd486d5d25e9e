import { describe, expect, it } from 'vitest';
import { etaSeconds, observe, outlookOf, seatsMayRunOut, STALL_MS, type QueueSample } from './eta.js';

const settings = { admitPerSecond: 20, maxActive: 100, passTtlSeconds: 60 };

/** Samples every 500 ms from `fn(t)` (t in ms) over [from, to]. */
function samples(from: number, to: number, fn: (t: number) => [number, number]): QueueSample[] {
  const list: QueueSample[] = [];
  for (let at = from; at <= to; at += 500) {
    const [admittedTotal, active] = fn(at);
    list.push({ at, admittedTotal, active });
  }
  return list;
}

describe('the ETA estimator', () => {
  it('when passes are free under the cap, then the ETA counts the configured rate for them', () => {
    const o = outlookOf(undefined, settings);
    expect(o.state).toBe('rough');
    expect(o.freeSlots).toBe(100);
    expect(etaSeconds(o, 40)).toBe(2);
    // Past the free passes, the assumed stay (half the pass) sets the pace: 100 per 30 s.
    expect(etaSeconds(o, 100 + 100)).toBe(5 + 30);
  });

  it('when the queue has been at the cap for the whole minute, then the ETA follows the admissions measured, not the configured rate', () => {
    // 2 admissions a second, each matched by a departure: the cap holds all along.
    const seen = observe(samples(0, 60_000, (t) => [1_000 + (2 * t) / 1000, 100]))!;
    expect(seen).toMatchObject({ spanMs: 60_000, admitted: 120, departures: 120, minActive: 100 });
    const o = outlookOf(seen, settings);
    expect(o.state).toBe('measured');
    expect(o.steadyRate).toBeCloseTo(2);
    expect(etaSeconds(o, 41_000)).toBe(20_500);
    // admitPerSecond alone would have said 2,050 s.
  });

  it('when buyers are seen leaving, then their mean stay sets the pace past the free passes (Little’s law)', () => {
    // 50 active all along, 5 let in and 5 ending each second: a stay of 10 s; the cap of 100 then
    // allows 10 a second, under the configured 20.
    const seen = observe(samples(0, 30_000, (t) => [(5 * t) / 1000, 50]))!;
    expect(seen.passSeconds).toBeCloseTo(1_500);
    const o = outlookOf(seen, settings);
    expect(o.state).toBe('measured');
    // (1,500 + 5 × 30) / (150 + 5) = 10.6 s mean stay → 9.4 a second.
    expect(o.steadyRate).toBeCloseTo(100 / (1_650 / 155), 3);
    expect(etaSeconds(o, 50)).toBe(3);
    expect(etaSeconds(o, 50 + 940)).toBe(Math.ceil(2.5 + 940 / o.steadyRate));
  });

  it('when the passes are still filling up, then the stay seen so far is too short a look: the estimate is rough', () => {
    // 20 s from the opening: 150 let in over the first 7.5 s; from 8 s one leaves a second, and the
    // place is taken at once.
    const seen = observe(
      samples(0, 20_000, (t) => [
        Math.min(150, (20 * t) / 1000) + Math.max(0, Math.floor(t / 1000 - 8)),
        Math.min(150, (20 * t) / 1000),
      ]),
    )!;
    expect(seen.departures).toBe(12);
    const o = outlookOf(seen, { ...settings, maxActive: 150 });
    expect(o.state).toBe('rough');
    // Mean stay from what is seen, capped at the TTL: longer than the window, so not yet measured.
    expect(150 / o.steadyRate).toBeGreaterThan(20);
  });

  it('when nobody has been let in for STALL_MS, then the outlook is stalled and no ETA is given; a pause is stalled at once', () => {
    const stuck = observe(samples(0, STALL_MS, () => [500, 100]))!;
    expect(stuck.stillForMs).toBe(STALL_MS);
    const o = outlookOf(stuck, settings);
    expect(o.state).toBe('stalled');
    expect(etaSeconds(o, 10)).toBeNull();
    // Just under: not yet.
    const almost = observe(samples(0, STALL_MS - 500, () => [500, 100]))!;
    expect(outlookOf(almost, settings).state).not.toBe('stalled');
    // Moving again: the stall ends with the first admission seen.
    const moving = observe([
      ...samples(0, STALL_MS, () => [500, 100]),
      { at: STALL_MS + 500, admittedTotal: 501, active: 100 },
    ])!;
    expect(outlookOf(moving, settings).state).not.toBe('stalled');
  });

  it('when the counters go backwards or the figures are odd, then nothing is negative or NaN', () => {
    const seen = observe([
      { at: 0, admittedTotal: 100, active: 100 },
      { at: 500, admittedTotal: 90, active: 0 },
      { at: 1_000, admittedTotal: 95, active: 200 },
    ])!;
    expect(seen.admitted).toBe(0);
    expect(seen.departures).toBeGreaterThanOrEqual(0);
    for (const s of [settings, { admitPerSecond: 0, maxActive: 0, passTtlSeconds: 0 }]) {
      const o = outlookOf(seen, s);
      for (const p of [0, 1, 1e9]) {
        const eta = etaSeconds(o, p);
        expect(eta === null || (Number.isInteger(eta) && eta >= 0)).toBe(true);
      }
    }
    expect(observe([{ at: 0, admittedTotal: 1, active: 1 }])).toBeUndefined();
  });

  it('when the line ahead is three times the seats left or more, then the seats may run out first', () => {
    expect(seatsMayRunOut(41_000, 3_000)).toBe(true);
    expect(seatsMayRunOut(8_999, 3_000)).toBe(false);
    expect(seatsMayRunOut(9_000, 3_000)).toBe(true);
    expect(seatsMayRunOut(0, 0)).toBe(true);
  });
});
