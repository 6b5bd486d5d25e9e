import { AppError } from './errors.js';

/** The compact venue description of DESIGN.md: sections with a row count and seats per row, or explicit rows. */
export interface LayoutInput {
  name: string;
  address?: string;
  sections: {
    name: string;
    grade: string;
    rows: number | { label: string; seats: number }[];
    seatsPerRow?: number;
  }[];
}

/** One row as drawn and numbered: seats `firstSeatNo … firstSeatNo + seats − 1`, left to right at `y`. */
export interface PlannedRow {
  label: string;
  seats: number;
  firstSeatNo: number;
  x: number;
  y: number;
}

export interface PlannedSection {
  sectionNo: number;
  name: string;
  grade: string;
  rows: PlannedRow[];
}

export interface SeatPlan {
  seatCount: number;
  sections: PlannedSection[];
}

export const MAX_VENUE_SEATS = 100_000;
const SECTION_GAP = 2;

/**
 * Numbers the seats densely in section, row, seat order and places them for drawing: sections stacked
 * top to bottom with a gap, each row centred on the widest row. The plan is what the seat map is
 * served from; the seats table is inserted from it in one statement.
 */
export function planSeats(layout: LayoutInput): SeatPlan {
  const names = new Set<string>();
  const rowsBySection = layout.sections.map((section) => {
    const key = section.name.trim().toLowerCase();
    if (names.has(key))
      throw new AppError('DUPLICATE_SECTION', `Section "${section.name}" appears twice.`, {
        section: section.name,
      });
    names.add(key);
    if (typeof section.rows === 'number') {
      if (section.seatsPerRow === undefined) {
        throw new AppError(
          'INVALID_LAYOUT',
          `Section "${section.name}" gives a row count but no seatsPerRow.`,
          {
            section: section.name,
          },
        );
      }
      return Array.from({ length: section.rows }, (_, i) => ({
        label: String(i + 1),
        seats: section.seatsPerRow!,
      }));
    }
    const labels = new Set(section.rows.map((r) => r.label));
    if (labels.size !== section.rows.length) {
      throw new AppError('INVALID_LAYOUT', `Section "${section.name}" has two rows with the same label.`, {
        section: section.name,
      });
    }
    return section.rows;
  });

  const seatCount = rowsBySection.flat().reduce((sum, row) => sum + row.seats, 0);
  if (seatCount > MAX_VENUE_SEATS) {
    throw new AppError(
      'LAYOUT_TOO_LARGE',
      `A venue may have at most ${MAX_VENUE_SEATS} seats; this one has ${seatCount}.`,
      {
        seatCount,
        max: MAX_VENUE_SEATS,
      },
    );
  }
  const widest = Math.max(...rowsBySection.flat().map((r) => r.seats));

  let nextSeatNo = 0;
  let y = 0;
  const sections = layout.sections.map((section, sectionNo) => {
    const rows = rowsBySection[sectionNo]!.map((row) => {
      const planned = {
        label: row.label,
        seats: row.seats,
        firstSeatNo: nextSeatNo,
        x: (widest - row.seats) / 2,
        y,
      };
      nextSeatNo += row.seats;
      y += 1;
      return planned;
    });
    y += SECTION_GAP;
    return { sectionNo, name: section.name.trim(), grade: section.grade, rows };
  });
  return { seatCount, sections };
}

/** The grades a venue sells, in first-seen order. */
export function gradesOf(plan: SeatPlan): string[] {
  return [...new Set(plan.sections.map((s) => s.grade))];
}
