import { describe, expect, it } from 'vitest';
import { arrivals, MEASURED, simulate, type Scenario } from '../bench/capacity-model.js';

// The capacity model (docs/capacity.md) is arithmetic a plan rests on: each case below has an answer
// worked out by hand from the scenario, not from the model.
const small: Scenario = {
  buyers: 10_000,
  seats: 2_000,
  burstShare: 1,
  burstSeconds: 1,
  tailMeanSeconds: 60,
  admitPerSecond: 100,
  maxActive: 100_000,
  maxQuantity: 1,
  pickSeconds: 0,
  paySeconds: 0,
  abandon: 0,
  holdTtlSeconds: 300,
  paymentSeconds: 0,
  pushEverySeconds: 1,
  nodes: 100,
  coresPerNode: 1,
  shardCores: 1,
  postgresCores: 100,
  limitSeconds: 600,
  seed: 7,
};

describe('the capacity model', () => {
  it('sells at the admission rate when nothing else is short: 2,000 one-seat buyers at 100/s take 20 s', () => {
    const o = simulate(small);
    expect(o.seatsSold).toBe(2_000);
    expect(o.orders).toBe(2_000);
    expect(o.soldOutAt).toBeGreaterThanOrEqual(19);
    expect(o.soldOutAt).toBeLessThanOrEqual(21);
    // The 1,000th buyer admitted waited ~10 s, the last ~20 s.
    expect(o.wait.p50).toBeGreaterThan(8);
    expect(o.wait.p50).toBeLessThan(11);
    expect(o.peak.shard).toBeLessThan(0.5);
  });

  it('answers a burst no faster than the one Redis shard of the performance can take it', () => {
    // 200,000 joins in the first second at 25 µs of shard CPU each: 5 s of one core, however many nodes.
    const o = simulate({ ...small, buyers: 200_000 });
    expect(MEASURED.redis.join).toBe(0.025);
    expect(o.joinLatency.max).toBeGreaterThan(4);
    expect(o.joinLatency.max).toBeLessThan(6);
    expect(o.peak.shard).toBe(1);
  });

  it('pushes places late when the nodes lack the CPU, and on time with enough of them', () => {
    // 100,000 waiters at one push a second, 55 µs each: 5.5 cores' worth.
    const crowd = { ...small, buyers: 100_000, seats: 100, admitPerSecond: 10 };
    expect(simulate({ ...crowd, nodes: 2 }).pushShare).toBeLessThan(0.4);
    // The joins take 0.12 ms of node CPU each while the shard lets through 40,000 a second: 4.8 cores.
    expect(simulate({ ...crowd, nodes: 20 }).pushShare).toBeGreaterThan(0.99);
  });

  it('sells walked-away seats again only after their holds lapse', () => {
    // Buyers admitted while every seat is held find nothing and leave: enough of them to outlast the holds.
    const o = simulate({
      ...small,
      buyers: 100_000,
      abandon: 0.3,
      holdTtlSeconds: 100,
      pickSeconds: 1,
      paySeconds: 1,
      limitSeconds: 3000,
    });
    expect(o.seatsSold).toBe(2_000);
    expect(o.soldOutAt).toBeGreaterThan(100);
  });

  it('is the same for the same scenario, and arrivals keep their shape', () => {
    expect(simulate({ ...small, pickSeconds: 5, paySeconds: 5, abandon: 0.2 })).toEqual(
      simulate({ ...small, pickSeconds: 5, paySeconds: 5, abandon: 0.2 }),
    );
    const at = arrivals({ buyers: 1_000, burstShare: 0.5, burstSeconds: 1, tailMeanSeconds: 60 });
    expect(at[499]).toBeLessThan(1);
    expect(at[500]).toBeGreaterThanOrEqual(1);
    // The tail's median is its mean × ln 2 after the burst.
    expect(at[750]).toBeCloseTo(1 + 60 * Math.LN2, 0);
    expect([...at].every((t, i) => i === 0 || t >= at[i - 1]!)).toBe(true);
  });
});
