import { describe, expect, it } from 'vitest';
import { seatPositions } from '@tmomi/contract/geometry';
import { planSeats } from '@tmomi/contract/layout';
import { centresOf } from '../../../test/seat-path';
import { seatCircles, viewBoxOf } from './drawing';

describe("the editor's drawing of seats", () => {
  it('when seats are drawn as circles, then the path gives back each centre, to a thousandth, in seat order', () => {
    const plan = planSeats({
      name: 'V',
      version: 2,
      sections: [
        { name: 'A', grade: 'R', x: 3, y: -2, rotation: 30, curve: { radius: 7 }, rows: 3, seatsPerRow: 5 },
      ],
    });
    const positions = seatPositions(plan);
    const centres = centresOf(seatCircles(positions, 0, plan.seatCount));
    expect(centres).toHaveLength(15);
    centres.forEach(([x, y], s) => {
      expect(Math.abs(x - positions[2 * s]!)).toBeLessThanOrEqual(5e-4);
      expect(Math.abs(y - positions[2 * s + 1]!)).toBeLessThanOrEqual(5e-4);
    });
    // A run is the seats from … to: what one section's path draws.
    expect(centresOf(seatCircles(positions, 5, 10))).toEqual(centres.slice(5, 10));
  });

  it('when the plan is small or missing, then the view is at least 20 × 12 seat widths about its middle, with a margin', () => {
    expect(viewBoxOf(null)).toBe('-14 -14 28 28');
    expect(viewBoxOf({ seatCount: 0, sections: [], bounds: { x: 0, y: 0, width: 4, height: 2 } }, 1)).toBe(
      '-9 -6 22 14',
    );
  });
});
