import { describe, expect, it } from 'vitest';
import { planSeats } from '../../../src/catalog/layout';
import {
  countAvailable,
  decodeBitset,
  describeSeat,
  indexSeatMap,
  isAvailable,
  neighbour,
  seatAt,
} from './model';

const index = indexSeatMap(
  planSeats({
    name: 'Hall',
    sections: [
      { name: 'A', grade: 'VIP', rows: 2, seatsPerRow: 4 },
      { name: 'B', grade: 'R', rows: [{ label: 'K', seats: 6 }] },
    ],
  }),
);

describe('the seat map model', () => {
  it('when a venue is indexed, then each seat knows its grade, row and place', () => {
    expect(index.seatCount).toBe(14);
    expect(index.grades).toEqual(['VIP', 'R']);
    expect(index.gradeOf[3]).toBe(0);
    expect(index.gradeOf[8]).toBe(1);
    expect(describeSeat(index, 9)).toEqual({ section: 'B', row: 'K', number: 2, grade: 'R' });
  });

  it('when a point is hit-tested, then the seat under it is found, and gaps find none', () => {
    // Rows of 4 are centred on the widest row (6): they start at x = 1.
    expect(seatAt(index, 1.5, 0.5)).toBe(0);
    expect(seatAt(index, 4.9, 1.2)).toBe(7);
    expect(seatAt(index, 0.5, 0.5)).toBe(-1);
    expect(seatAt(index, 2, 2.5)).toBe(-1); // the gap between sections
    expect(seatAt(index, 0.2, 4.5)).toBe(8);
  });

  it('when arrows are pressed, then the cursor moves along the row and to the nearest seat across', () => {
    expect(neighbour(index, 0, 'left')).toBe(0);
    expect(neighbour(index, 0, 'right')).toBe(1);
    expect(neighbour(index, 1, 'down')).toBe(5);
    expect(neighbour(index, 5, 'down')).toBe(10); // across the gap, under the same spot
    expect(neighbour(index, 8, 'up')).toBe(4);
    expect(neighbour(index, 2, 'up')).toBe(2);
  });

  it('when the bitset arrives, then bit j of byte i is seat 8i + j, least significant first', () => {
    const bits = decodeBitset(btoa(String.fromCharCode(0b0000_0101, 0b1000_0000)));
    expect(isAvailable(bits, 0)).toBe(true);
    expect(isAvailable(bits, 1)).toBe(false);
    expect(isAvailable(bits, 2)).toBe(true);
    expect(isAvailable(bits, 15)).toBe(true);
    expect(isAvailable(bits, 16)).toBe(false);
    expect(countAvailable(bits, 16)).toBe(3);
  });
});
