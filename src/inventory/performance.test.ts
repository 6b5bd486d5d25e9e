import { describe, expect, it } from 'vitest';
import { saleStateOf, type PerformanceRow } from './performance.js';

const hour = 3600_000;

describe("a performance's sale state", () => {
  const opens = Date.parse('2026-12-24T12:00:00Z');
  const p = {
    seatCount: 100,
    salesOpenAt: new Date(opens),
    salesCloseAt: new Date(opens + 24 * hour),
    queueEnabled: true,
    prequeueMinutes: 30,
  } as PerformanceRow;
  const at = (ms: number, counts?: { available: number; held: number; sold: number; blocked?: number }) =>
    saleStateOf(p, opens + ms, counts && { blocked: 0, ...counts });

  it('follows the sale window: scheduled, prequeue, on sale, closed', () => {
    expect(at(-31 * 60_000)).toBe('scheduled');
    expect(at(-30 * 60_000)).toBe('prequeue');
    expect(at(0)).toBe('onsale');
    expect(at(24 * hour)).toBe('closed');
    expect(saleStateOf({ ...p, queueEnabled: false }, opens - 60_000)).toBe('scheduled');
  });

  it('is sold out only when every seat is sold, not while tickets are still being generated', () => {
    expect(at(0, { available: 0, held: 0, sold: 0 })).toBe('onsale');
    expect(at(0, { available: 0, held: 0, sold: 60 })).toBe('onsale');
    expect(at(0, { available: 0, held: 3, sold: 97 })).toBe('onsale');
    expect(at(0, { available: 0, held: 0, sold: 100 })).toBe('soldout');
    expect(at(24 * hour, { available: 0, held: 0, sold: 100 })).toBe('closed');
  });

  it('is sold out when every seat is sold or blocked (never for sale), but not when nothing sold', () => {
    expect(at(0, { available: 0, held: 0, sold: 90, blocked: 10 })).toBe('soldout');
    expect(at(0, { available: 1, held: 0, sold: 89, blocked: 10 })).toBe('onsale');
    expect(at(0, { available: 0, held: 0, sold: 0, blocked: 100 })).toBe('onsale');
  });
});
