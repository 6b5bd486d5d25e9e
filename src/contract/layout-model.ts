import { AppError } from './errors.js';

// The venue layout's types (what an organizer sends, and the plan the server keeps and serves) and the
// checks both layouts share. The planners are in layout.ts (compact) and layout-v2.ts.

/** A row given explicitly; `gaps`, `offset` and the seat attributes are version 2's. */
export interface RowInput {
  label: string;
  seats: number;
  gaps?: number[];
  offset?: number;
  accessible?: number[];
  companion?: number[];
  blocked?: number[];
}

export interface SectionInput {
  name: string;
  grade: string;
  rows: number | RowInput[];
  seatsPerRow?: number;
  x?: number;
  y?: number;
  rotation?: number;
  curve?: { radius?: number; angle?: number };
  aisles?: number[];
}

export interface AreaInput {
  name: string;
  grade: string;
  capacity: number;
  x: number;
  y: number;
  width: number;
  height: number;
  rotation?: number;
}

export interface StageInput {
  x: number;
  y: number;
  width: number;
  height: number;
  rotation?: number;
  shape?: 'rect' | 'ellipse';
  label?: string;
}

export interface LabelInput {
  text: string;
  x: number;
  y: number;
  rotation?: number;
  size?: number;
}

/**
 * A venue as an organizer describes it: the compact layout of DESIGN.md (sections with a row count and
 * seats per row, or explicit rows), or version 2 (`version: 2`), placed on a plane.
 */
export interface LayoutInput {
  name: string;
  address?: string;
  version?: 2;
  sections: SectionInput[];
  standing?: AreaInput[];
  stage?: StageInput;
  labels?: LabelInput[];
}

/**
 * One row as drawn and numbered: seats `firstSeatNo … firstSeatNo + seats − 1`. `x`, `y`: the compact
 * drawing (seat i's left edge at x + i, the row's top at y); in version 2 a stacked drawing for clients
 * that do not place sections, the real places coming from the section's placement (geometry.ts).
 * Attributes name seat numbers within the row, 1 being its first seat.
 */
export interface PlannedRow {
  label: string;
  seats: number;
  firstSeatNo: number;
  x: number;
  y: number;
  gaps?: number[];
  offset?: number;
  accessible?: number[];
  companion?: number[];
  blocked?: number[];
}

export interface PlannedSection {
  sectionNo: number;
  name: string;
  grade: string;
  rows: PlannedRow[];
  /** Version 2: the middle of the front row, the rotation about it, the curve of its rows, its aisles. */
  x?: number;
  y?: number;
  rotation?: number;
  curve?: { radius: number };
  aisles?: number[];
}

/** A standing area: `capacity` places, seat numbers `firstSeatNo …`, drawn as a rectangle. */
export interface PlannedArea {
  sectionNo: number;
  name: string;
  grade: string;
  capacity: number;
  firstSeatNo: number;
  x: number;
  y: number;
  width: number;
  height: number;
  rotation: number;
}

export interface Stage {
  x: number;
  y: number;
  width: number;
  height: number;
  rotation: number;
  shape: 'rect' | 'ellipse';
  label: string;
}

export interface Label {
  text: string;
  x: number;
  y: number;
  rotation: number;
  size: number;
}

export interface Bounds {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** What the server keeps with a venue and serves its seat map from; the seats table is inserted from it. */
export interface SeatPlan {
  seatCount: number;
  sections: PlannedSection[];
  version?: 2;
  standing?: PlannedArea[];
  stage?: Stage;
  labels?: Label[];
  bounds?: Bounds;
}

export const MAX_VENUE_SEATS = 100_000;

/** 422 INVALID_LAYOUT naming the field (as VALIDATION_FAILED names one: `sections.2.rows.0.blocked`). */
export function layoutError(field: string, reason: string, extra: Record<string, unknown> = {}): AppError {
  return new AppError('INVALID_LAYOUT', `${field}: ${reason}.`, { field, reason, ...extra });
}

/**
 * Names are unique across a venue's sections and standing areas, whatever their case and spaces: the
 * returned check is called with each in turn and refuses the first name seen before.
 */
export function uniqueNames(): (name: string, field: string) => void {
  const seen = new Set<string>();
  return (name, field) => {
    const key = name.trim().toLowerCase();
    if (seen.has(key))
      throw new AppError('DUPLICATE_SECTION', `Section "${name}" appears twice.`, { section: name, field });
    seen.add(key);
  };
}

/** A section's rows, its row count and seats per row expanded, each label once. */
export function expandRows(section: SectionInput, field: string): RowInput[] {
  if (typeof section.rows === 'number') {
    if (section.seatsPerRow === undefined) {
      throw new AppError(
        'INVALID_LAYOUT',
        `Section "${section.name}" gives a row count but no seatsPerRow.`,
        {
          section: section.name,
          field: `${field}.seatsPerRow`,
        },
      );
    }
    const seats = section.seatsPerRow;
    return Array.from({ length: section.rows }, (_, i) => ({ label: String(i + 1), seats }));
  }
  const labels = new Set(section.rows.map((r) => r.label));
  if (labels.size !== section.rows.length) {
    throw new AppError('INVALID_LAYOUT', `Section "${section.name}" has two rows with the same label.`, {
      section: section.name,
      field: `${field}.rows`,
    });
  }
  return section.rows;
}

export function checkSeatCount(seatCount: number): void {
  if (seatCount > MAX_VENUE_SEATS) {
    throw new AppError(
      'LAYOUT_TOO_LARGE',
      `A venue may have at most ${MAX_VENUE_SEATS} seats; this one has ${seatCount}.`,
      { seatCount, max: MAX_VENUE_SEATS },
    );
  }
}

const SECTION_GAP = 2;

/**
 * The compact drawing: sections stacked top to bottom with a gap, each row centred on the widest row,
 * seats numbered densely from 0 in section, row, seat order. Returns the rows with only what the compact
 * layout has (label, seats, firstSeatNo, x, y), and the next seat number.
 */
export function stackRows(rowsBySection: { label: string; seats: number }[][]): {
  rows: PlannedRow[][];
  next: number;
} {
  const widest = Math.max(0, ...rowsBySection.flat().map((r) => r.seats));
  let next = 0;
  let y = 0;
  const rows = rowsBySection.map((sectionRows) => {
    const planned = sectionRows.map((row) => {
      const placed = {
        label: row.label,
        seats: row.seats,
        firstSeatNo: next,
        x: (widest - row.seats) / 2,
        y,
      };
      next += row.seats;
      y += 1;
      return placed;
    });
    y += SECTION_GAP;
    return planned;
  });
  return { rows, next };
}
