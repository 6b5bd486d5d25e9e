import { describe, expect, it } from 'vitest';
import { bitsetBytes, countFree, decodeBitset, freeSeats, isFree, setFree } from './bitset.js';

describe('the availability bitset', () => {
  it('when the bitset arrives, then bit j of byte i is seat 8i + j, least significant first', () => {
    const bits = decodeBitset(btoa(String.fromCharCode(0b0000_0101, 0b1000_0000)));
    expect([0, 1, 2, 15, 16].map((seat) => isFree(bits, seat))).toEqual([true, false, true, true, false]);
    expect(countFree(bits, 16)).toBe(3);
    expect(freeSeats(bits)).toEqual([0, 2, 15]);
  });

  it('when seats are flipped, then only their bits change and a seat past the end is ignored', () => {
    const bits = new Uint8Array(bitsetBytes(10));
    expect(bits.length).toBe(2);
    for (const seat of [3, 9, 10]) setFree(bits, seat, true);
    expect(freeSeats(bits)).toEqual([3, 9, 10]);
    setFree(bits, 9, false);
    setFree(bits, 16, true);
    expect(freeSeats(bits)).toEqual([3, 10]);
    expect([...bits]).toEqual([0b0000_1000, 0b0000_0100]);
  });
});
