import type { Bounds, Label, SeatPlan } from '@tmomi/contract/layout-model';
import { areaOutline, boundsOf, seatPositions, stageOutline, type Point } from '@tmomi/contract/geometry';
import { buildGrid, type Grid } from './grid';

/** One row: seats `first … first + seats − 1`, row `k` (0 = the front) of section `section`. */
export interface IndexedRow {
  section: number;
  k: number;
  label: string;
  first: number;
  seats: number;
}

/**
 * A section or a standing area, as the overview draws it: places `first … first + count − 1`, its
 * outline on the plane, where its name goes, and how many of its places the layout puts on sale.
 */
export interface Place {
  name: string;
  grade: number;
  standing: boolean;
  first: number;
  count: number;
  forSale: number;
  outline: Point[];
  /** The middle of its seats (a section) or of its rectangle (an area): the overview's label. */
  centre: Point;
  /** In front of its front row's middle: its name while seats are drawn, off the seats. */
  nameAt: Point;
  box: Bounds;
}

/**
 * The seat map prepared for drawing and hit-testing 100,000 seats without per-seat objects: every seat's
 * centre from the contract's geometry (`seatPositions`, the planner's own), typed arrays of its grade,
 * row and place, and a grid of unit cells for finding the seat under a point.
 */
export interface SeatIndex {
  seatCount: number;
  grades: string[];
  /** Sections first (`sectionCount` of them, in layout order), then standing areas. */
  places: Place[];
  sectionCount: number;
  rows: IndexedRow[];
  /** x, y of seat s at [2s], [2s + 1]; NaN for a standing place. */
  pos: Float64Array;
  gradeOf: Uint8Array;
  rowOf: Int32Array;
  placeOf: Int32Array;
  /** 1: a wheelchair place; 2: a companion's seat. */
  markOf: Uint8Array;
  stage: { outline: Point[]; label: string; centre: Point } | null;
  labels: Label[];
  bounds: Bounds;
  grid: Grid;
}

/** What indexing reads: the seat map the server serves, or the planner's plan (the admin preview). */
export type MapInput = Pick<SeatPlan, 'seatCount' | 'sections' | 'standing' | 'stage' | 'labels' | 'version'>;

const middle = (points: readonly Point[]): Point => {
  let [x, y] = [0, 0];
  for (const p of points) [x, y] = [x + p[0], y + p[1]];
  return points.length ? [x / points.length, y / points.length] : [0, 0];
};

function boxOf(points: readonly Point[]): Bounds {
  let [minX, minY, maxX, maxY] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const [x, y] of points) {
    [minX, maxX, minY, maxY] = [Math.min(minX, x), Math.max(maxX, x), Math.min(minY, y), Math.max(maxY, y)];
  }
  return { x: minX - 0.5, y: minY - 0.5, width: maxX - minX + 1, height: maxY - minY + 1 };
}

const at = (pos: Float64Array, seat: number): Point => [pos[2 * seat]!, pos[2 * seat + 1]!];

/** A point 1.3 seats in front of the front row's middle, away from the back row. */
function inFront(rows: readonly IndexedRow[], pos: Float64Array): Point {
  if (rows.length === 0) return [0, 0];
  const front = at(pos, rows[0]!.first + (rows[0]!.seats >> 1));
  const last = rows[rows.length - 1]!;
  const back = rows.length > 1 ? at(pos, last.first + (last.seats >> 1)) : [front[0], front[1] + 1];
  const length = Math.hypot(front[0] - back[0], front[1] - back[1]) || 1;
  return [front[0] + ((front[0] - back[0]) / length) * 1.3, front[1] + ((front[1] - back[1]) / length) * 1.3];
}

/**
 * A section's outline through its seats' centres: the front row along its curve, the last seats of the
 * rows behind, the back row returning, the first seats back to the front. Drawn with a stroke a seat
 * wide, it covers every seat of a wedge or a block, curved or turned.
 */
export function sectionOutline(
  rows: readonly { first: number; seats: number }[],
  pos: Float64Array,
): Point[] {
  if (rows.length === 0) return [];
  const out: Point[] = [];
  const front = rows[0]!;
  const back = rows[rows.length - 1]!;
  for (let i = 0; i < front.seats; i++) out.push(at(pos, front.first + i));
  for (let k = 1; k < rows.length - 1; k++) out.push(at(pos, rows[k]!.first + rows[k]!.seats - 1));
  if (rows.length > 1) for (let i = back.seats - 1; i >= 0; i--) out.push(at(pos, back.first + i));
  for (let k = rows.length - 2; k >= 1; k--) out.push(at(pos, rows[k]!.first));
  return out;
}

export function indexSeatMap(map: MapInput): SeatIndex {
  const grades: string[] = [];
  const gradeNo = (grade: string) => {
    const g = grades.indexOf(grade);
    return g < 0 ? grades.push(grade) - 1 : g;
  };
  const plan = { ...map, version: map.version } as SeatPlan;
  const pos = seatPositions(plan);
  const gradeOf = new Uint8Array(map.seatCount);
  const rowOf = new Int32Array(map.seatCount).fill(-1);
  const placeOf = new Int32Array(map.seatCount).fill(-1);
  const markOf = new Uint8Array(map.seatCount);
  const rows: IndexedRow[] = [];
  const places: Place[] = [];
  map.sections.forEach((section, s) => {
    const grade = gradeNo(section.grade);
    const mine: IndexedRow[] = [];
    let blocked = 0;
    section.rows.forEach((row, k) => {
      const r = rows.push({ section: s, k, label: row.label, first: row.firstSeatNo, seats: row.seats }) - 1;
      mine.push(rows[r]!);
      const end = row.firstSeatNo + row.seats;
      gradeOf.fill(grade, row.firstSeatNo, end);
      rowOf.fill(r, row.firstSeatNo, end);
      placeOf.fill(s, row.firstSeatNo, end);
      for (const n of row.accessible ?? []) markOf[row.firstSeatNo + n - 1] = 1;
      for (const n of row.companion ?? []) markOf[row.firstSeatNo + n - 1] = 2;
      blocked += new Set(row.blocked ?? []).size;
    });
    const first = mine[0]?.first ?? 0;
    const count = mine.reduce((n, r) => n + r.seats, 0);
    const outline = sectionOutline(mine, pos);
    const seatsAt: Point[] = [];
    // The centre of a few seats of every row: cheap, and inside a wedge as well as a block.
    for (const r of mine) for (const i of [0, r.seats >> 1, r.seats - 1]) seatsAt.push(at(pos, r.first + i));
    places.push({
      name: section.name,
      grade,
      standing: false,
      first,
      count,
      forSale: count - blocked,
      outline,
      centre: middle(seatsAt),
      nameAt: inFront(mine, pos),
      box: boxOf(outline),
    });
  });
  for (const area of map.standing ?? []) {
    const grade = gradeNo(area.grade);
    gradeOf.fill(grade, area.firstSeatNo, area.firstSeatNo + area.capacity);
    placeOf.fill(places.length, area.firstSeatNo, area.firstSeatNo + area.capacity);
    const outline = areaOutline(area);
    const box = boxOf(outline);
    places.push({
      name: area.name,
      grade,
      standing: true,
      first: area.firstSeatNo,
      count: area.capacity,
      forSale: area.capacity,
      outline,
      centre: [area.x, area.y],
      nameAt: [area.x, area.y],
      box: { x: box.x + 0.5, y: box.y + 0.5, width: box.width - 1, height: box.height - 1 },
    });
  }
  const stage = map.stage
    ? {
        outline: stageOutline(map.stage),
        label: map.stage.label,
        centre: [map.stage.x, map.stage.y] as Point,
      }
    : null;
  const bounds = boundsOf(plan, pos);
  return {
    seatCount: map.seatCount,
    grades,
    places,
    sectionCount: map.sections.length,
    rows,
    pos,
    gradeOf,
    rowOf,
    placeOf,
    markOf,
    stage,
    labels: map.labels ?? [],
    bounds,
    grid: buildGrid(pos, bounds),
  };
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
  const place = index.places[index.placeOf[seatNo] ?? -1];
  if (!place) return null;
  const grade = index.grades[place.grade]!;
  if (place.standing)
    return { section: place.name, row: '', number: seatNo - place.first + 1, grade, standing: true };
  const row = index.rows[index.rowOf[seatNo]!]!;
  return { section: place.name, row: row.label, number: seatNo - row.first + 1, grade };
}
