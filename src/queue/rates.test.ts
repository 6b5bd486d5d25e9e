import { describe, expect, it } from 'vitest';
import { TestClock } from '../../test/harness.js';
import type { WaitingRoom } from '../engine/waiting-room/port.js';
import { AdmissionRates } from './service.js';

describe('admission rates', () => {
  it('when the admitted counter restarts (a Redis wipe), then the rate is measured afresh, never negative', () => {
    const clock = new TestClock(0);
    const rates = new AdmissionRates({ engine: {} as WaitingRoom, clock });
    const at = (ms: number, total: number) => {
      clock.advance(ms - clock.now());
      rates.record('p', total);
    };
    at(0, 1_000);
    at(2_000, 1_100);
    expect(rates.measured('p')).toBe(50);
    // The counter starts again from 0: the samples before it are dropped.
    at(2_600, 3);
    expect(rates.measured('p')).toBeUndefined();
    at(3_600, 13);
    expect(rates.measured('p')).toBe(10);
    // Nothing admitted over the window: no measure (the configured rate is used), not zero.
    at(4_600, 13);
    at(20_000, 13);
    expect(rates.measured('p')).toBeUndefined();
  });
});
