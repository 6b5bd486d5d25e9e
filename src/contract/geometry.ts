import type { Bounds, PlannedArea, PlannedSection, SeatPlan, Stage } from './layout-model.js';

// Where things are on a venue's plane, one definition for the planner (which checks overlaps with it),
// the server's seats table and the browser's seat map. Lengths are seat widths; x grows to the right,
// y downwards, and rotations are degrees clockwise (as they look on a screen).
//
// A version 2 section is placed by the middle of its front row (x, y) and turned by `rotation` about
// it. In the section's own frame a row k (0 = the front row) is straight along u at v = k, its seats
// one unit apart and centred on u = 0 (shifted by the row's `offset`), a gap of one seat after each
// seat number in its `gaps` and its section's `aisles`. A curved section bends each row onto an arc
// about a centre `radius` in front of the front row (at v = −radius), so row k has radius
// `radius + k` and its seats stay one unit apart along it: a seat at distance t from the row's middle
// is at angle t / r, at u = r·sin(t / r), v = r·cos(t / r) − radius.

const DEG = Math.PI / 180;

/** What places a row's seats: its section's placement and its own shape. */
export type Placement = Pick<PlannedSection, 'x' | 'y' | 'rotation' | 'curve' | 'aisles'>;
export interface RowShape {
  seats: number;
  gaps?: readonly number[];
  offset?: number;
}

/** The seat numbers of the row a gap follows (1 ≤ n < seats): its own gaps and its section's aisles. */
function gapsOf(aisles: readonly number[] | undefined, row: RowShape): Set<number> {
  const gaps = new Set<number>();
  for (const n of aisles ?? []) if (n >= 1 && n < row.seats) gaps.add(n);
  for (const n of row.gaps ?? []) if (n >= 1 && n < row.seats) gaps.add(n);
  return gaps;
}

/** How many seat widths the row takes along itself: its seats and its gaps. */
export function rowSlots(aisles: readonly number[] | undefined, row: RowShape): number {
  return row.seats + gapsOf(aisles, row).size;
}

/**
 * The centres of row `k`'s seats, placed on the venue's plane: x, y of seat n (1-based) at
 * `out[at + 2(n − 1)]` and the next index.
 */
export function placeRow(
  section: Placement,
  k: number,
  row: RowShape,
  out: Float64Array | number[],
  at = 0,
): void {
  const gaps = gapsOf(section.aisles, row);
  const start = -(row.seats + gaps.size - 1) / 2 + (row.offset ?? 0);
  const turn = (section.rotation ?? 0) * DEG;
  const [cos, sin] = [Math.cos(turn), Math.sin(turn)];
  const [x0, y0] = [section.x ?? 0, section.y ?? 0];
  const radius = section.curve?.radius;
  let t = start;
  for (let n = 1; n <= row.seats; n++) {
    let u = t;
    let v = k;
    if (radius !== undefined) {
      const r = radius + k;
      u = r * Math.sin(t / r);
      v = r * Math.cos(t / r) - radius;
    }
    out[at + 2 * (n - 1)] = x0 + u * cos - v * sin;
    out[at + 2 * (n - 1) + 1] = y0 + u * sin + v * cos;
    t += gaps.has(n) ? 2 : 1;
  }
}

/**
 * Every seat's centre, x and y of seat s at [2s] and [2s + 1]. A compact layout's seat i of a row is the
 * square at (x + i, y), so its centre is half a unit further on; a standing area's places are not seats
 * and have none (NaN). 100,000 seats take a few milliseconds.
 */
export function seatPositions(plan: SeatPlan): Float64Array {
  const out = new Float64Array(2 * plan.seatCount).fill(Number.NaN);
  for (const section of plan.sections) {
    section.rows.forEach((row, k) => {
      if (plan.version === 2) return placeRow(section, k, row, out, 2 * row.firstSeatNo);
      for (let i = 0; i < row.seats; i++) {
        out[2 * (row.firstSeatNo + i)] = row.x + i + 0.5;
        out[2 * (row.firstSeatNo + i) + 1] = row.y + 0.5;
      }
    });
  }
  return out;
}

export type Point = readonly [number, number];

/** The corners of a w × h rectangle centred on (x, y) and turned `rotation` degrees clockwise. */
export function rectangle(x: number, y: number, w: number, h: number, rotation = 0): Point[] {
  const turn = rotation * DEG;
  const [cos, sin] = [Math.cos(turn), Math.sin(turn)];
  return [
    [-w / 2, -h / 2],
    [w / 2, -h / 2],
    [w / 2, h / 2],
    [-w / 2, h / 2],
  ].map(([u, v]) => [x + u! * cos - v! * sin, y + u! * sin + v! * cos] as const);
}

/** A standing area's outline. */
export const areaOutline = (a: PlannedArea): Point[] => rectangle(a.x, a.y, a.width, a.height, a.rotation);

/** The stage's outline: its rectangle, or its ellipse as a polygon of 32 sides. */
export function stageOutline(stage: Stage): Point[] {
  if (stage.shape === 'rect') return rectangle(stage.x, stage.y, stage.width, stage.height, stage.rotation);
  const turn = stage.rotation * DEG;
  const [cos, sin] = [Math.cos(turn), Math.sin(turn)];
  return Array.from({ length: 32 }, (_, i) => {
    const a = (i / 32) * 2 * Math.PI;
    const [u, v] = [(stage.width / 2) * Math.cos(a), (stage.height / 2) * Math.sin(a)];
    return [stage.x + u * cos - v * sin, stage.y + u * sin + v * cos] as const;
  });
}

/** The rectangle every seat (as a unit square), area, stage and label of the plan lies in. */
export function boundsOf(plan: SeatPlan, positions: Float64Array): Bounds {
  let [minX, minY, maxX, maxY] = [Infinity, Infinity, -Infinity, -Infinity];
  const take = (x: number, y: number, margin: number) => {
    if (Number.isNaN(x)) return;
    minX = Math.min(minX, x - margin);
    maxX = Math.max(maxX, x + margin);
    minY = Math.min(minY, y - margin);
    maxY = Math.max(maxY, y + margin);
  };
  for (let s = 0; s < positions.length; s += 2) take(positions[s]!, positions[s + 1]!, 0.5);
  for (const area of plan.standing ?? []) for (const [x, y] of areaOutline(area)) take(x, y, 0);
  if (plan.stage) for (const [x, y] of stageOutline(plan.stage)) take(x, y, 0);
  for (const label of plan.labels ?? []) take(label.x, label.y, label.size);
  if (minX > maxX) return { x: 0, y: 0, width: 0, height: 0 };
  const round = (n: number) => Math.round(n * 100) / 100;
  return { x: round(minX), y: round(minY), width: round(maxX - minX), height: round(maxY - minY) };
}
