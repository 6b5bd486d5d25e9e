import { describe, expect, it } from 'vitest';
import { seatPositions } from '@tmomi/contract/geometry';
import { planSeats } from '@tmomi/contract/layout';
import { seatNear } from './grid';
import { describeSeat, indexSeatMap } from './model';
import { firstFreeSeat, neighbour, placeAt, placeStep } from './nav';

const compact = indexSeatMap(
  planSeats({
    name: 'Hall',
    sections: [
      { name: 'A', grade: 'VIP', rows: 2, seatsPerRow: 4 },
      { name: 'B', grade: 'R', rows: [{ label: 'K', seats: 6 }] },
    ],
  }),
);

// A placed venue: a wedge turned to face up, curved, over a stage, with a standing floor.
const placedPlan = planSeats({
  name: 'Arena',
  version: 2,
  stage: { x: 0, y: -8, width: 10, height: 3 },
  sections: [
    {
      name: 'North',
      grade: 'VIP',
      x: 0,
      y: 0,
      rotation: 0,
      curve: { radius: 20 },
      rows: [
        { label: '1', seats: 8, accessible: [1], companion: [2], blocked: [8] },
        { label: '2', seats: 9 },
      ],
    },
    { name: 'Side', grade: 'R', x: 20, y: 10, rotation: 90, rows: 3, seatsPerRow: 5 },
  ],
  standing: [{ name: 'Floor', grade: 'GA', capacity: 50, x: 0, y: 20, width: 12, height: 6 }],
});
const placed = indexSeatMap(placedPlan);

describe('the seat map model', () => {
  it('when a venue is indexed, then each seat knows its grade, row, section and marks', () => {
    expect(compact.seatCount).toBe(14);
    expect(compact.grades).toEqual(['VIP', 'R']);
    expect(compact.gradeOf[3]).toBe(0);
    expect(compact.gradeOf[8]).toBe(1);
    expect(describeSeat(compact, 9)).toEqual({ section: 'B', row: 'K', number: 2, grade: 'R' });
    expect(placed.places.map((p) => [p.name, p.first, p.count, p.forSale, p.standing])).toEqual([
      ['North', 0, 17, 16, false],
      ['Side', 17, 15, 15, false],
      ['Floor', 32, 50, 50, true],
    ]);
    expect([placed.markOf[0], placed.markOf[1], placed.markOf[2]]).toEqual([1, 2, 0]);
    expect(describeSeat(placed, 40)).toEqual({
      section: 'Floor',
      row: '',
      number: 9,
      grade: 'GA',
      standing: true,
    });
  });

  it("when a placed venue is indexed, then seats are where the contract's geometry puts them, areas nowhere", () => {
    expect([...placed.pos]).toEqual([...seatPositions(placedPlan)]);
    expect(Number.isNaN(placed.pos[2 * 40])).toBe(true);
  });

  it('when a point is hit-tested, then the seat whose centre is within half a seat is found, else none', () => {
    for (const seat of [0, 7, 16, 20, 31]) {
      const [x, y] = [placed.pos[2 * seat]!, placed.pos[2 * seat + 1]!];
      expect(seatNear(placed.grid, placed.pos, x + 0.3, y - 0.2)).toBe(seat);
    }
    expect(seatNear(placed.grid, placed.pos, 0, -3)).toBe(-1); // between the stage and the front row
    expect(seatNear(compact.grid, compact.pos, 1.5, 0.5)).toBe(0);
    expect(seatNear(compact.grid, compact.pos, 0.5, 0.5)).toBe(-1);
  });

  it('when a place is hit-tested, then the area, the section by its seats or its outline is found', () => {
    expect(placeAt(placed, 3, 21)).toBe(2); // the floor
    expect(placeAt(placed, placed.pos[2 * 20]!, placed.pos[2 * 20 + 1]! + 0.8)).toBe(1);
    const [x, y] = placed.places[0]!.centre;
    expect(placeAt(placed, x, y)).toBe(0);
    expect(placeAt(placed, -30, -30)).toBe(-1);
  });

  it('when arrows are pressed, then the cursor moves as the map shows seats, and stays at an edge', () => {
    expect(neighbour(compact, 0, 'left')).toBe(0);
    expect(neighbour(compact, 0, 'right')).toBe(1);
    expect(neighbour(compact, 1, 'down')).toBe(5);
    expect(neighbour(compact, 5, 'down')).toBe(5); // the next section is the overview's business
    expect(neighbour(compact, 2, 'up')).toBe(2);
    // Side is turned 90° clockwise: its rows run downwards and row 2 is to the left of row 1.
    expect(neighbour(placed, 17, 'down')).toBe(18);
    expect(neighbour(placed, 17, 'left')).toBe(22);
    expect(neighbour(placed, 22, 'right')).toBe(17);
    // North's back row is below its front row (y down), its seats running left to right.
    expect(neighbour(placed, 3, 'down')).toBeGreaterThanOrEqual(8);
    expect(neighbour(placed, 3, 'right')).toBe(4);
  });

  it('when arrows are pressed on the overview, then the cursor steps through sections, then areas', () => {
    expect(placeStep(placed, 0, 'right')).toBe(1);
    expect(placeStep(placed, 1, 'down')).toBe(2);
    expect(placeStep(placed, 2, 'right')).toBe(2);
    expect(placeStep(placed, 0, 'up')).toBe(0);
  });

  it('when the arrows start on a venue shown whole, then at its first free seat, past sold-out sections', () => {
    const bits = new Uint8Array(11).fill(0xff);
    expect(firstFreeSeat(placed, bits)).toBe(0);
    bits[0] = 0;
    bits[1] = 0b1000_0000; // North's seats 0 … 14 taken, 15 free
    expect(firstFreeSeat(placed, bits)).toBe(15);
    bits[1] = 0;
    bits[2] = 0b1111_1100; // North sold out (16 is its last), and Side's first seat, 17, taken
    expect(firstFreeSeat(placed, bits)).toBe(18);
    expect(firstFreeSeat(placed, null)).toBe(0);
  });
});
