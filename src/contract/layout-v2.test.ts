import { describe, expect, it } from 'vitest';
import { bowl, stadium } from '../../test/venues.js';
import { AppError } from './errors.js';
import { placeRow, seatPositions } from './geometry.js';
import { planSeats, type LayoutInput } from './layout.js';

const refusal = (layout: object) => {
  try {
    planSeats(layout as LayoutInput);
  } catch (err) {
    if (err instanceof AppError) return { code: err.code, ...err.details };
    throw err;
  }
  throw new Error('the layout was accepted');
};
const round = (ns: ArrayLike<number>) => Array.from(ns, (n) => Math.round(n * 1000) / 1000);
const section = (extra: object = {}) => ({
  name: 'A',
  grade: 'R',
  x: 0,
  y: 0,
  rows: 2,
  seatsPerRow: 4,
  ...extra,
});

describe('where the seats of a version 2 section are', () => {
  it('when a row is straight, then its seats are one unit apart, centred on x, the rows one unit behind', () => {
    const out: number[] = [];
    placeRow({ x: 10, y: 5 }, 0, { seats: 4 }, out);
    expect(round(out)).toEqual([8.5, 5, 9.5, 5, 10.5, 5, 11.5, 5]);
    placeRow({ x: 10, y: 5 }, 2, { seats: 2, offset: 1 }, out);
    expect(round(out.slice(0, 4))).toEqual([10.5, 7, 11.5, 7]);
  });

  it('when a section is turned, then its rows turn about the middle of its front row (clockwise, y down)', () => {
    const out: number[] = [];
    // A quarter turn: the row runs down the screen, the rows behind it go to the left.
    placeRow({ x: 0, y: 0, rotation: 90 }, 1, { seats: 3 }, out);
    expect(round(out)).toEqual([-1, -1, -1, 0, -1, 1]);
  });

  it('when a row has a gap or its section an aisle, then the seats after it move one unit on', () => {
    const out: number[] = [];
    placeRow({ x: 0, y: 0, aisles: [1] }, 0, { seats: 3, gaps: [2] }, out);
    // Three seats and two gaps take five units: seats at −2, 0 and 2.
    expect(round(out)).toEqual([-2, 0, 0, 0, 2, 0]);
  });

  it('when rows curve, then seats stay one unit apart along arcs about one centre, each row one unit further', () => {
    const out = new Float64Array(2 * 5);
    placeRow({ x: 0, y: 0, curve: { radius: 10 } }, 0, { seats: 5 }, out);
    const distance = (i: number) => Math.hypot(out[2 * i]!, out[2 * i + 1]! + 10);
    expect([0, 1, 2, 3, 4].map((i) => Math.round(distance(i) * 1e6) / 1e6)).toEqual([10, 10, 10, 10, 10]);
    expect(round([out[4]!, out[5]!])).toEqual([0, 0]);
    // Neighbours are a chord of one unit of arc apart: 2r·sin(1 / 2r).
    expect(Math.hypot(out[2]! - out[0]!, out[3]! - out[1]!)).toBeCloseTo(20 * Math.sin(1 / 20), 9);
    placeRow({ x: 0, y: 0, curve: { radius: 10 } }, 3, { seats: 1 }, out);
    expect(round([out[0]!, out[1]!])).toEqual([0, 3]);
  });

  it('when a layout is compact, then seat i of a row is the unit square at (x + i, y), its centre half a unit on', () => {
    const plan = planSeats({ name: 'Hall', sections: [{ name: 'A', grade: 'R', rows: 1, seatsPerRow: 2 }] });
    expect(Array.from(seatPositions(plan))).toEqual([0.5, 0.5, 1.5, 0.5]);
  });
});

describe('a version 2 layout', () => {
  it('when it has curved sections round a stage and a standing floor, then places are numbered seats first, the floor after', () => {
    const plan = planSeats(bowl({ floor: 300, blocked: [2] }));
    const seated = plan.sections.reduce((n, s) => n + s.rows.reduce((m, r) => m + r.seats, 0), 0);
    expect(plan.seatCount).toBe(seated + 300);
    expect(plan.standing).toEqual([
      expect.objectContaining({ name: 'Floor', sectionNo: 8, firstSeatNo: seated }),
    ]);
    expect(plan.sections[0]!.rows[0]).toMatchObject({ blocked: [2], accessible: [1], companion: [2] });
    expect(plan.sections[3]!.curve).toEqual({ radius: 30 });
    expect(plan.stage).toMatchObject({ shape: 'rect', label: 'STAGE', rotation: 0 });
    const positions = seatPositions(plan);
    expect(Number.isNaN(positions[2 * seated])).toBe(true);
    expect(plan.bounds!.width).toBeGreaterThan(60);
  });

  it('when a curve is given as the angle its front row spans, then the radius follows from the front row', () => {
    const plan = planSeats({
      name: 'Hall',
      version: 2,
      sections: [section({ seatsPerRow: 10, curve: { angle: 90 } })],
    });
    expect(plan.sections[0]!.curve!.radius).toBeCloseTo(10 / (Math.PI / 2), 5);
  });

  it('when a stadium has 100,000 places, then it is planned and checked in well under a second', () => {
    const started = performance.now();
    const plan = planSeats(stadium());
    const ms = performance.now() - started;
    console.log(`a 100,000-place stadium planned and checked for overlaps in ${ms.toFixed(0)} ms`);
    expect(plan.seatCount).toBe(100_000);
    expect(ms).toBeLessThan(3_000);
  });

  it.each([
    [
      'two sections in one place',
      { sections: [section(), section({ name: 'B', x: 1 })] },
      'SECTIONS_OVERLAP',
      'sections.1',
    ],
    [
      'a section on the stage',
      { sections: [section()], stage: { x: 0, y: 1, width: 4, height: 2 } },
      'SECTIONS_OVERLAP',
      'sections.0',
    ],
    [
      'a standing area over a section',
      {
        sections: [section()],
        standing: [{ name: 'F', grade: 'GA', capacity: 5, x: 0, y: 3, width: 6, height: 4 }],
      },
      'SECTIONS_OVERLAP',
      'sections.0',
    ],
    [
      'a standing area on the stage',
      {
        sections: [],
        standing: [{ name: 'F', grade: 'GA', capacity: 5, x: 0, y: 0, width: 6, height: 4 }],
        stage: { x: 0, y: 3, width: 4, height: 4, shape: 'ellipse' },
      },
      'SECTIONS_OVERLAP',
      'stage',
    ],
    [
      'a standing area named as a section',
      {
        sections: [section()],
        standing: [{ name: ' a', grade: 'GA', capacity: 5, x: 0, y: 20, width: 6, height: 4 }],
      },
      'DUPLICATE_SECTION',
      'standing.0',
    ],
    ['a section without x', { sections: [section({ x: undefined })] }, 'INVALID_LAYOUT', 'sections.0.x'],
    [
      'a blocked seat past its row',
      { sections: [section({ rows: [{ label: '1', seats: 3, blocked: [4] }] })] },
      'INVALID_LAYOUT',
      'sections.0.rows.0.blocked',
    ],
    [
      'a gap after the last seat',
      { sections: [section({ rows: [{ label: '1', seats: 3, gaps: [3] }] })] },
      'INVALID_LAYOUT',
      'sections.0.rows.0.gaps',
    ],
    [
      'a curve with a radius and an angle',
      { sections: [section({ curve: { radius: 5, angle: 40 } })] },
      'INVALID_LAYOUT',
      'sections.0.curve',
    ],
    [
      'a curve so tight a row reaches round its centre',
      { sections: [section({ seatsPerRow: 40, curve: { radius: 5 } })] },
      'INVALID_LAYOUT',
      'sections.0.curve',
    ],
    [
      'a misspelt attribute',
      { sections: [section({ rows: [{ label: '1', seats: 3, blokced: [1] }] })] },
      'INVALID_LAYOUT',
      'sections.0.rows.0.blokced',
    ],
    ['no sections and no standing area', { sections: [] }, 'VALIDATION_FAILED', 'sections'],
    [
      'more than 100,000 places',
      {
        sections: [section()],
        standing: [{ name: 'F', grade: 'GA', capacity: 99_999, x: 0, y: 20, width: 6, height: 4 }],
      },
      'LAYOUT_TOO_LARGE',
      undefined,
    ],
  ])('when it has %s, then it is refused', (_, parts, code, field) => {
    expect(refusal({ name: 'Hall', version: 2, ...parts })).toMatchObject({ code, ...(field && { field }) });
  });

  it('when a compact layout says what only version 2 means, then it is refused naming the field', () => {
    expect(refusal({ name: 'Hall', sections: [{ ...section(), x: 3 }] })).toMatchObject({
      code: 'INVALID_LAYOUT',
      field: 'sections.0.x',
    });
    expect(
      refusal({
        name: 'Hall',
        sections: [{ name: 'A', grade: 'R', rows: [{ label: '1', seats: 2, blocked: [1] }] }],
      }),
    ).toMatchObject({ code: 'INVALID_LAYOUT', field: 'sections.0.rows.0.blocked' });
  });
});
