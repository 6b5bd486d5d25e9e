import { describe, expect, it } from 'vitest';
import { planSeats } from '@tmomi/contract/layout';
import { cellFor, describeSeat, indexSeatMap, neighbour, paintSeats, pixelOf, seatAt } from './model';

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

  it('when seats are painted, then each is a 3×3 square of its colour on a 4-pixel grid, gaps empty', () => {
    const cell = cellFor(index);
    expect(cell).toBe(4);
    const stride = index.width * cell;
    const target = { pixels: new Uint32Array(stride * index.height * cell), stride, cell };
    const bits = new Uint8Array(2).fill(0xff);
    bits[0] = 0b1111_1101; // seat 1 taken
    paintSeats(target, index, bits, new Set([2]), { grades: [10, 20], taken: 30, selected: 40 });
    const at = (x: number, y: number) => target.pixels[y * stride + x];
    // Row 0 starts at x = 1 seat = 4 px: seat 0 covers pixels 4..6, then a gap at 7.
    expect([at(4, 0), at(6, 2), at(7, 0), at(4, 3)]).toEqual([10, 10, 0, 0]);
    expect(at(8, 0)).toBe(30); // seat 1, taken
    expect(at(12, 0)).toBe(40); // seat 2, selected
    expect(at(0, 4 * 4)).toBe(20); // seat 8, section B, grade R
    expect(pixelOf('#102030')).toBe(0xff302010);
  });
});
