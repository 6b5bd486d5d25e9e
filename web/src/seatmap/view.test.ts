import { describe, expect, it } from 'vitest';
import { planSeats } from '@tmomi/contract/layout';
import { indexSeatMap } from './model';
import { fitView, keepSeatInView, zoomView } from './view';

const index = indexSeatMap(
  planSeats({ name: 'Hall', sections: [{ name: 'A', grade: 'VIP', rows: 2, seatsPerRow: 8 }] }),
);
const size = { width: 200, height: 100 };

describe('the seat map view', () => {
  it('when the map is fitted, then all of it shows, centred, with a margin', () => {
    const v = fitView(index, size);
    expect(v.scale).toBeCloseTo(Math.min(200 / (index.width + 2), 100 / (index.height + 2)));
    expect(v.tx * 2 + index.width * v.scale).toBeCloseTo(200);
    expect(v.ty * 2 + index.height * v.scale).toBeCloseTo(100);
  });

  it('when zooming about a point, then that point stays put, and the scale stays within bounds', () => {
    const v = zoomView({ scale: 10, tx: 5, ty: 7 }, 2, 50, 40);
    expect(v.scale).toBe(20);
    expect(((50 - v.tx) / v.scale) * 10 + 5).toBeCloseTo(50);
    expect(zoomView(v, 1000, 0, 0).scale).toBe(80);
    expect(zoomView(v, 0.001, 0, 0).scale).toBe(0.5);
  });

  it('when the cursor moves to a seat off screen, then the view centres it; on screen, nothing moves', () => {
    const v = fitView(index, size);
    expect(keepSeatInView(index, v, size, 3)).toBe(v);
    const far = { ...v, tx: v.tx - 1000 };
    const centred = keepSeatInView(index, far, size, 3);
    const row = index.rows[index.rowOf[3]!]!;
    expect((row.x + 3 - row.first + 0.5) * centred.scale + centred.tx).toBeCloseTo(100);
  });
});
