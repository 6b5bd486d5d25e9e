import { describe, expect, it } from 'vitest';
import { seatPositions } from '@tmomi/contract/geometry';
import { planSeats } from '@tmomi/contract/layout';
import { preview, schemaProblem } from './check';
import { starterDraft, toBody, type Draft } from './draft';
import { markSeats, markedSeats, partAt, seatAt, seatLocator, seatsInRect } from './select';

/** A section A of 2 rows × 4 seats at the origin, a floor to its right, a stage above, a label below. */
function venue(): Draft {
  const draft = starterDraft();
  draft.sections = [
    {
      name: 'A',
      grade: 'R',
      x: 0,
      y: 0,
      rotation: 0,
      rows: [
        { label: '1', seats: 4 },
        { label: '2', seats: 4 },
      ],
    },
  ];
  draft.standing = [{ name: 'Floor', grade: 'GA', capacity: 30, x: 10, y: 0, width: 6, height: 4 }];
  draft.labels = [{ text: 'Gate', x: 0, y: 6, size: 1 }];
  return draft;
}
const planned = (draft: Draft) => {
  const plan = planSeats(toBody('V', '', draft));
  return { plan, positions: seatPositions(plan) };
};

describe('what is under the pointer in the venue editor', () => {
  it('when a point is on a seat, then that seat; between seats or off them, none', () => {
    const { positions } = planned(venue());
    // Row 1's seats at x = −1.5, −0.5, 0.5, 1.5 and y = 0; row 2 at y = 1.
    expect(seatAt(positions, -0.4, 0.1)).toBe(1);
    expect(seatAt(positions, 1.6, 1.2)).toBe(7);
    expect(seatAt(positions, 0, 0.5)).toBe(-1);
    expect(seatAt(positions, 5, 5)).toBe(-1);
  });

  it('when a rectangle is dragged either way, then the seats whose centres it holds, in seat order', () => {
    const { positions } = planned(venue());
    expect(seatsInRect(positions, [-2, -0.5], [0, 1.5])).toEqual([0, 1, 4, 5]);
    expect(seatsInRect(positions, [2, 0.5], [-2, 1.5])).toEqual([4, 5, 6, 7]);
    expect(seatsInRect(positions, [3, 3], [4, 4])).toEqual([]);
  });

  it("when seats are located, then each seat's section, row and number in the row; a standing place none", () => {
    const { plan } = planned(venue());
    const locate = seatLocator(plan);
    expect([locate(0), locate(6)]).toEqual([
      { section: 0, row: 0, n: 1 },
      { section: 0, row: 1, n: 3 },
    ]);
    expect(locate(8)).toBeUndefined();
  });

  it('when a point falls on a part, then the label, the section, the area or the stage there', () => {
    const draft = venue();
    const { plan, positions } = planned(draft);
    expect(partAt(draft, plan, positions, [0.4, 0.1])).toEqual({ kind: 'section', index: 0 });
    expect(partAt(draft, plan, positions, [12, 1])).toEqual({ kind: 'standing', index: 0 });
    expect(partAt(draft, plan, positions, [5, -6])).toEqual({ kind: 'stage' });
    expect(partAt(draft, plan, positions, [0.5, 6.2])).toEqual({ kind: 'label', index: 0 });
    expect(partAt(draft, plan, positions, [20, 20])).toBeUndefined();
  });
});

describe('seats marked by selection', () => {
  it('when seats are marked accessible, then companion, then blocked, then the marks go into their rows', () => {
    const draft = venue();
    const { plan } = planned(draft);
    let next = markSeats(draft, plan, [0, 1], 'accessible');
    next = markSeats(next, plan, [1, 2], 'companion');
    next = markSeats(next, plan, [6, 2], 'blocked');
    expect(next.sections[0]!.rows).toEqual([
      { label: '1', seats: 4, accessible: [1], companion: [2, 3], blocked: [3] },
      { label: '2', seats: 4, blocked: [3] },
    ]);
    const again = planSeats(toBody('V', '', next));
    expect(markedSeats(again)).toEqual({ accessible: [0], companion: [1, 2], blocked: [2, 6] });
    expect(markSeats(next, again, [0, 1, 2, 6], 'clear').sections[0]!.rows).toEqual(draft.sections[0]!.rows);
    // Nothing else changed: the draft given is left as it was.
    expect(draft.sections[0]!.rows[0]).toEqual({ label: '1', seats: 4 });
  });
});

describe("the server's checks, run as the organizer edits", () => {
  it('when two sections overlap, then SECTIONS_OVERLAP naming both, and the seats are still placed', () => {
    const draft = venue();
    draft.sections.push({ ...draft.sections[0]!, name: 'B', x: 1 });
    const { plan, problem } = preview(toBody('V', '', draft));
    expect(problem).toMatchObject({ code: 'SECTIONS_OVERLAP', field: 'sections.1', parts: ['A', 'B'] });
    expect(plan?.seatCount).toBe(46);
  });

  it('when a name is used twice or a row has no seats, then the field the API would name', () => {
    const draft = venue();
    draft.standing[0]!.name = 'a';
    expect(preview(toBody('V', '', draft)).problem).toMatchObject({
      code: 'DUPLICATE_SECTION',
      field: 'standing.0',
    });
    const empty = venue();
    empty.sections[0]!.rows[1]!.seats = 0;
    expect(preview(toBody('V', '', empty)).problem).toMatchObject({
      code: 'VALIDATION_FAILED',
      field: 'sections.0.rows.1.seats',
    });
  });

  it('when a field is missing or misspelt, then it is named itself', () => {
    expect(schemaProblem({ name: 'V', version: 2 })).toMatchObject({ field: 'sections' });
    const misspelt = toBody('V', '', venue());
    Object.assign(misspelt.sections[0]!, { rows: [{ label: '1', seats: 4, blokced: [1] }] });
    expect(preview(misspelt).problem).toMatchObject({
      code: 'INVALID_LAYOUT',
      field: 'sections.0.rows.0.blokced',
    });
    expect(schemaProblem(toBody('V', '', venue()))).toBeNull();
  });
});
