import { describe, expect, it } from 'vitest';
import { seatPositions } from '@tmomi/contract/geometry';
import { layoutBody } from '@tmomi/contract/layout-export';
import { planSeats, type LayoutInput } from '@tmomi/contract/layout';
import { fromBody, freshName, placePart, removePart, resizeRows, starterDraft, toBody } from './draft';

const round = (ns: Float64Array) => Array.from(ns, (n) => Math.round(n * 1e6) / 1e6);

describe("the venue editor's draft, read from a layout file and written back", () => {
  it('when an exported layout is imported and written back, then the body is the same file', () => {
    const layout: LayoutInput = {
      name: 'Bowl Arena',
      version: 2,
      sections: [
        {
          name: 'W',
          grade: 'VIP',
          x: -12,
          y: 0,
          rotation: 90,
          curve: { radius: 20 },
          rows: 3,
          seatsPerRow: 8,
        },
        {
          name: 'E',
          grade: 'R',
          x: 12,
          y: 0,
          rotation: 270,
          curve: { angle: 30 },
          aisles: [4],
          rows: [
            { label: 'A', seats: 8, accessible: [1], companion: [2], blocked: [7, 6] },
            { label: 'B', seats: 9, gaps: [3], offset: 0.5 },
          ],
        },
      ],
      standing: [{ name: 'Floor', grade: 'GA', capacity: 50, x: 0, y: 0, width: 8, height: 6 }],
      stage: { x: 0, y: -10, width: 10, height: 3, shape: 'ellipse' },
      labels: [{ text: 'Gate 1', x: 0, y: 12 }],
    };
    const file = layoutBody(planSeats(layout), 'Bowl Arena', 'Seoul');
    const { name, address, draft, converted } = fromBody(file);
    expect([name, address, converted]).toEqual(['Bowl Arena', 'Seoul', false]);
    expect(toBody(name, address, draft)).toEqual(file);
    expect(JSON.stringify(toBody(name, address, draft))).toBe(JSON.stringify(file));
  });

  it('when a compact layout is imported, then it becomes version 2 with every seat where the compact drawing had it', () => {
    const compact: LayoutInput = {
      name: 'Hall',
      sections: [
        { name: 'A', grade: 'VIP', rows: 2, seatsPerRow: 6 },
        {
          name: 'B',
          grade: 'R',
          rows: [
            { label: 'X', seats: 3 },
            { label: 'Y', seats: 9 },
          ],
        },
      ],
    };
    const { draft, converted } = fromBody(compact);
    expect(converted).toBe(true);
    const placed = toBody('Hall', '', draft);
    expect(placed.version).toBe(2);
    expect(placed.sections[1]!.rows).toEqual([
      { label: 'X', seats: 3 },
      { label: 'Y', seats: 9 },
    ]);
    expect(round(seatPositions(planSeats(placed)))).toEqual(round(seatPositions(planSeats(compact))));
  });

  it('when rows are written, then rows that are all alike become rows × seatsPerRow, marked ones stay listed', () => {
    const draft = starterDraft();
    expect(toBody('V', '', draft).sections[0]).toMatchObject({ rows: 5, seatsPerRow: 12 });
    draft.sections[0]!.rows[1] = { label: '2', seats: 12, blocked: [3] };
    const rows = toBody('V', '', draft).sections[0]!.rows as object[];
    expect(rows).toHaveLength(5);
    expect(rows[1]).toEqual({ label: '2', seats: 12, blocked: [3] });
  });

  it('when a section is resized, then kept rows keep their labels and the marks still inside them', () => {
    const section = {
      name: 'A',
      grade: 'R',
      x: 0,
      y: 0,
      rows: [
        { label: 'AA', seats: 10, accessible: [1, 9], blocked: [10], gaps: [4, 8] },
        { label: 'BB', seats: 10 },
      ],
    };
    expect(resizeRows(section, 3, 8)).toEqual([
      { label: 'AA', seats: 8, accessible: [1], gaps: [4] },
      { label: 'BB', seats: 8 },
      { label: '3', seats: 8 },
    ]);
    expect(resizeRows(section, 1, 10)).toEqual([section.rows[0]]);
  });

  it('when a part is moved or turned, then it lands on tenths and its turn within a full circle', () => {
    const draft = starterDraft();
    const moved = placePart(draft, { kind: 'section', index: 0 }, 3.14159, -2.06, -90);
    expect(moved.sections[0]).toMatchObject({ x: 3.1, y: -2.1, rotation: 270 });
    expect(placePart(draft, { kind: 'stage' }, 1, 2).stage).toMatchObject({ x: 1, y: 2, rotation: 0 });
    expect(draft.sections[0]).toMatchObject({ x: 0, y: 0 });
  });

  it('when a part is removed, or a new one named, then the others stay and names never repeat (any case)', () => {
    const draft = starterDraft();
    expect(removePart(draft, { kind: 'stage' }).stage).toBeUndefined();
    expect(removePart(draft, { kind: 'section', index: 0 }).sections).toEqual([]);
    expect(freshName(draft)).toBe('B');
    draft.standing.push({ name: 'floor', grade: 'GA', capacity: 10, x: 0, y: 10, width: 4, height: 4 });
    expect(freshName(draft, 'Floor')).toBe('Floor 2');
  });
});
