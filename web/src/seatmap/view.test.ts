import { describe, expect, it } from 'vitest';
import { planSeats } from '@tmomi/contract/layout';
import { countFreeIn } from '@tmomi/contract/bitset';
import { countLeft } from './counts';
import { contrast, MAP_BACKGROUND, TAKEN_COLOUR } from './colours';
import { indexSeatMap } from './model';
import { fitPlace, fitView, keepSeatInView, modeOf, OVERVIEW_BELOW, tapAction, zoomView } from './view';

const index = indexSeatMap(
  planSeats({
    name: 'Hall',
    sections: [
      { name: 'A', grade: 'VIP', rows: 2, seatsPerRow: 8 },
      { name: 'B', grade: 'R', rows: 1, seatsPerRow: 8 },
    ],
  }),
);
const size = { width: 200, height: 100 };

describe('the seat map view', () => {
  it('when the map is fitted, then all of it shows, centred, with a margin', () => {
    const v = fitView(index, size);
    const { x, y, width, height } = index.bounds;
    expect(v.scale).toBeCloseTo(Math.min(200 / (width + 2), 100 / (height + 2)));
    expect((x + width / 2) * v.scale + v.tx).toBeCloseTo(100);
    expect((y + height / 2) * v.scale + v.ty).toBeCloseTo(50);
  });

  it('when zooming about a point, then that point stays put, and the scale stays within bounds', () => {
    const v = zoomView({ scale: 10, tx: 5, ty: 7 }, 2, 50, 40);
    expect(v.scale).toBe(20);
    expect(((50 - v.tx) / v.scale) * 10 + 5).toBeCloseTo(50);
    expect(zoomView(v, 1000, 0, 0).scale).toBe(80);
    expect(zoomView(v, 0.001, 0, 0).scale).toBe(0.3);
  });

  it('when the cursor moves to a seat off screen, then the view centres it; on screen, nothing moves', () => {
    const v = fitView(index, size);
    expect(keepSeatInView(index, v, size, 3)).toBe(v);
    const centred = keepSeatInView(index, { ...v, tx: v.tx - 1000 }, size, 3);
    expect(index.pos[6]! * centred.scale + centred.tx).toBeCloseTo(100);
  });

  it('when seats are under 6 px the map is the overview, a tap opens a section; seats are picked from 24 px by touch, 10 by mouse', () => {
    expect(modeOf({ scale: 5.9, tx: 0, ty: 0 })).toBe('overview');
    expect(tapAction({ scale: 5.9, tx: 0, ty: 0 }, 'touch')).toBe('section');
    expect(tapAction({ scale: 6, tx: 0, ty: 0 }, 'touch')).toBe('zoom');
    expect(tapAction({ scale: 23.9, tx: 0, ty: 0 }, 'touch')).toBe('zoom');
    expect(tapAction({ scale: 24, tx: 0, ty: 0 }, 'touch')).toBe('pick');
    expect(tapAction({ scale: 9.9, tx: 0, ty: 0 }, 'mouse')).toBe('zoom');
    expect(tapAction({ scale: 10, tx: 0, ty: 0 }, 'mouse')).toBe('pick');
    expect(tapAction({ scale: 10, tx: 0, ty: 0 }, 'pen')).toBe('pick');
  });

  it('when a section too big for the screen is opened, then it is shown at the least zoom of seats, centred', () => {
    const box = { x: 0, y: 0, width: 40, height: 100 };
    const v = fitPlace(box, { width: 390, height: 500 });
    expect(v.scale).toBeGreaterThanOrEqual(OVERVIEW_BELOW);
    expect(modeOf(v)).toBe('seats');
    expect(20 * v.scale + v.tx).toBeCloseTo(195);
    expect(50 * v.scale + v.ty).toBeCloseTo(250);
    expect(fitPlace({ x: 0, y: 0, width: 8, height: 2 }, size).scale).toBeCloseTo(200 / 10);
  });
});

describe('seats left, counted from the bitset', () => {
  it('when runs of seats are counted, then whole bytes and ragged ends agree with a seat-by-seat count', () => {
    const bits = new Uint8Array([0b1010_1111, 0xff, 0x00, 0b0000_0001]);
    const slow = (from: number, to: number) => {
      let n = 0;
      for (let s = from; s < to; s++) n += (bits[s >> 3]! >> (s & 7)) & 1;
      return n;
    };
    for (const [from, to] of [
      [0, 32],
      [3, 29],
      [5, 6],
      [8, 16],
      [9, 9],
      [0, 40],
      [30, 40],
    ] as const)
      expect(countFreeIn(bits, from, to)).toBe(slow(from, to));
  });

  it('when a venue is counted, then each section and grade has its free seats, and no bitset means all for sale', () => {
    const bits = new Uint8Array([0xff, 0b0000_1111, 0b1111_1111]); // seats 12 … 15 taken
    const left = countLeft(index, bits);
    expect([...left.places]).toEqual([12, 8]);
    expect([...left.grades]).toEqual([12, 8]);
    expect(left.total).toBe(20);
    expect(countLeft(index, null).total).toBe(24);
  });

  it('when a sold seat is drawn, then its grey has at least 3:1 contrast against the map', () => {
    expect(contrast(TAKEN_COLOUR, MAP_BACKGROUND)).toBeGreaterThanOrEqual(3);
    expect(contrast('#000000', '#ffffff')).toBeCloseTo(21);
  });
});
