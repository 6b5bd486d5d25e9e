import { isFree } from '@tmomi/contract/bitset';
import type { SeatMap } from '@tmomi/contract/catalog';

/** One drawn row: seats `first … first + seats − 1` at (x + i, y), each one unit wide. */
export interface IndexedRow {
  section: number;
  label: string;
  first: number;
  seats: number;
  x: number;
  y: number;
}

/**
 * The seat map prepared for drawing and hit-testing 50,000 seats without per-seat objects: rows sorted
 * top to bottom, the grade of each seat in a typed array, and rows bucketed by their whole y.
 */
export interface SeatIndex {
  seatCount: number;
  grades: string[];
  sections: { name: string; grade: string }[];
  rows: IndexedRow[];
  /** Standing areas: places `first … first + capacity − 1`, not drawn. */
  areas: { name: string; grade: string; first: number; capacity: number }[];
  gradeOf: Uint8Array;
  rowOf: Int32Array;
  byY: Map<number, number[]>;
  width: number;
  height: number;
}

/**
 * A version 2 map is drawn as the compact one (each row at its x, y: sections stacked) until the seat
 * map places sections itself; a standing area's places are not drawn, but its grade is indexed, so that
 * "best available" offers it (the server hands out places of the area for a grade sold standing only).
 */
export function indexSeatMap(map: Pick<SeatMap, 'seatCount' | 'sections' | 'standing'>): SeatIndex {
  const grades: string[] = [];
  const rows: IndexedRow[] = [];
  const gradeOf = new Uint8Array(map.seatCount);
  map.sections.forEach((section, s) => {
    let grade = grades.indexOf(section.grade);
    if (grade < 0) grade = grades.push(section.grade) - 1;
    for (const row of section.rows) {
      rows.push({
        section: s,
        label: row.label,
        first: row.firstSeatNo,
        seats: row.seats,
        x: row.x,
        y: row.y,
      });
      gradeOf.fill(grade, row.firstSeatNo, row.firstSeatNo + row.seats);
    }
  });
  for (const area of map.standing ?? []) {
    let grade = grades.indexOf(area.grade);
    if (grade < 0) grade = grades.push(area.grade) - 1;
    gradeOf.fill(grade, area.firstSeatNo, area.firstSeatNo + area.capacity);
  }
  rows.sort((a, b) => a.y - b.y || a.x - b.x);
  const rowOf = new Int32Array(map.seatCount).fill(-1);
  const byY = new Map<number, number[]>();
  let width = 0;
  let height = 0;
  rows.forEach((row, r) => {
    rowOf.fill(r, row.first, row.first + row.seats);
    const bucket = byY.get(Math.floor(row.y));
    if (bucket) bucket.push(r);
    else byY.set(Math.floor(row.y), [r]);
    width = Math.max(width, row.x + row.seats);
    height = Math.max(height, row.y + 1);
  });
  return {
    seatCount: map.seatCount,
    grades,
    sections: map.sections.map((s) => ({ name: s.name, grade: s.grade })),
    rows,
    areas: (map.standing ?? []).map((a) => ({
      name: a.name,
      grade: a.grade,
      first: a.firstSeatNo,
      capacity: a.capacity,
    })),
    gradeOf,
    rowOf,
    byY,
    width,
    height,
  };
}

/** The seat under a point in seat units, or -1. */
export function seatAt(index: SeatIndex, x: number, y: number): number {
  for (const r of index.byY.get(Math.floor(y)) ?? []) {
    const row = index.rows[r]!;
    const i = Math.floor(x - row.x);
    if (i >= 0 && i < row.seats) return row.first + i;
  }
  return -1;
}

export interface SeatLabel {
  section: string;
  row: string;
  number: number;
  grade: string;
  /** A place of the standing area `section` (no row, no seat). */
  standing?: boolean;
}

export function describeSeat(index: SeatIndex, seatNo: number): SeatLabel | null {
  const row = index.rows[index.rowOf[seatNo] ?? -1];
  if (!row) {
    const area = index.areas.find((a) => seatNo >= a.first && seatNo < a.first + a.capacity);
    return area
      ? { section: area.name, row: '', number: seatNo - area.first + 1, grade: area.grade, standing: true }
      : null;
  }
  const section = index.sections[row.section]!;
  return { section: section.name, row: row.label, number: seatNo - row.first + 1, grade: section.grade };
}

export type Direction = 'left' | 'right' | 'up' | 'down';

/** The seat a keyboard arrow moves to: along the row, or the nearest seat in the next row up or down. */
export function neighbour(index: SeatIndex, seatNo: number, direction: Direction): number {
  const r = index.rowOf[seatNo] ?? -1;
  const row = index.rows[r];
  if (!row) return seatNo;
  const i = seatNo - row.first;
  if (direction === 'left') return i > 0 ? seatNo - 1 : seatNo;
  if (direction === 'right') return i < row.seats - 1 ? seatNo + 1 : seatNo;
  const centre = row.x + i + 0.5;
  const step = direction === 'up' ? -1 : 1;
  for (let other = r + step; other >= 0 && other < index.rows.length; other += step) {
    const next = index.rows[other]!;
    if (next.y === row.y) continue;
    const j = Math.min(next.seats - 1, Math.max(0, Math.floor(centre - next.x)));
    return next.first + j;
  }
  return seatNo;
}

/** A CSS `#rrggbb` colour as one opaque ImageData pixel (RGBA bytes read as a little-endian uint32). */
export function pixelOf(hex: string): number {
  const n = Number.parseInt(hex.slice(1), 16);
  return (0xff000000 | ((n & 0xff) << 16) | (n & 0xff00) | ((n >> 16) & 0xff)) >>> 0;
}

export interface SeatPixels {
  pixels: Uint32Array;
  /** Pixels per row of `pixels`. */
  stride: number;
  /** Pixels per seat unit: a seat is (cell − 1)² pixels and a one-pixel gap, or one pixel when cell is 1. */
  cell: number;
}

export interface SeatColours {
  grades: readonly number[];
  taken: number;
  selected: number;
}

/**
 * Writes every seat into a pixel buffer, a few pixels each: 50,000 seats cost a tight loop over a typed
 * array (a millisecond or two) instead of 50,000 canvas calls. The canvas then only scales this image.
 */
export function paintSeats(
  target: SeatPixels,
  index: SeatIndex,
  bits: Uint8Array | null,
  selected: ReadonlySet<number>,
  colours: SeatColours,
): void {
  const { pixels, stride, cell } = target;
  const size = cell > 1 ? cell - 1 : 1;
  pixels.fill(0);
  for (const row of index.rows) {
    const rowStart = Math.round(row.y * cell) * stride + Math.round(row.x * cell);
    for (let i = 0; i < row.seats; i++) {
      const seat = row.first + i;
      const colour = selected.has(seat)
        ? colours.selected
        : bits && !isFree(bits, seat)
          ? colours.taken
          : colours.grades[index.gradeOf[seat]! % colours.grades.length]!;
      let p = rowStart + i * cell;
      for (let dy = 0; dy < size; dy++, p += stride)
        for (let dx = 0; dx < size; dx++) pixels[p + dx] = colour;
    }
  }
}

/** Pixels per seat for the buffer: 4 (3 + a gap) unless the venue is so large the image would not fit. */
export function cellFor(index: SeatIndex, maxSide = 8192): number {
  return Math.max(
    1,
    Math.min(4, Math.floor(maxSide / Math.max(1, Math.ceil(index.width), Math.ceil(index.height)))),
  );
}
