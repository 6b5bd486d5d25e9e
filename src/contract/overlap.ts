import { AppError } from './errors.js';
import { areaOutline, stageOutline, type Point } from './geometry.js';
import type { SeatPlan } from './layout-model.js';

// Whether the parts of a version 2 layout overlap: the planner refuses such a venue, and the venue
// editor runs the same check as its organizer drags things about.

/**
 * Seats of two sections closer than this, centre to centre, overlap: a seat is a unit square, and
 * neighbours in a row are one unit apart, so this leaves a tenth of a seat for rounding and curves.
 */
const SEAT_CLEARANCE = 0.9;
/** A seat this near a standing area or the stage (its centre to their outline) is on it. */
const SHAPE_CLEARANCE = 0.45;
/** Shapes whose projections overlap by less than this merely touch. */
const EPSILON = 1e-6;

/**
 * Seats hashed into cells one unit wide: each cell's last seat, and each seat's previous one in its cell
 * (`next`). The cells are an array over the seats' bounding box while that is not much larger than the
 * seats (a typed array is read ten times faster than a map), else a map.
 */
class Grid {
  readonly next: Int32Array;
  private readonly x0: number;
  private readonly y0: number;
  private readonly width: number;
  private readonly height: number;
  private readonly cells: Int32Array | null;
  private readonly map = new Map<number, number>();

  constructor(positions: Float64Array) {
    const seats = positions.length / 2;
    this.next = new Int32Array(seats).fill(-1);
    let [minX, minY, maxX, maxY] = [Infinity, Infinity, -Infinity, -Infinity];
    for (let s = 0; s < seats; s++) {
      const [x, y] = [positions[2 * s]!, positions[2 * s + 1]!];
      if (Number.isNaN(x)) continue;
      [minX, maxX, minY, maxY] = [Math.min(minX, x), Math.max(maxX, x), Math.min(minY, y), Math.max(maxY, y)];
    }
    this.x0 = Math.floor(minX) - 2;
    this.y0 = Math.floor(minY) - 2;
    this.width = Math.max(0, Math.floor(maxX) - this.x0 + 3);
    this.height = Math.max(0, Math.floor(maxY) - this.y0 + 3);
    const size = this.width * this.height;
    this.cells = size <= 16 * seats + 1024 ? new Int32Array(size).fill(-1) : null;
  }

  /** The last seat put in cell (cx, cy), or −1. */
  head(cx: number, cy: number): number {
    const [i, j] = [cx - this.x0, cy - this.y0];
    if (i < 0 || j < 0 || i >= this.width || j >= this.height) return -1;
    return this.cells ? this.cells[j * this.width + i]! : (this.map.get(j * this.width + i) ?? -1);
  }

  put(seat: number, cx: number, cy: number): void {
    const key = (cy - this.y0) * this.width + (cx - this.x0);
    this.next[seat] = this.head(cx, cy);
    if (this.cells) this.cells[key] = seat;
    else this.map.set(key, seat);
  }
}

/** A part of the layout that may overlap another: its field (sections.2, standing.0, stage) and name. */
interface Part {
  field: string;
  name: string;
}

function overlapError(a: Part, b: Part, at: Point): AppError {
  return new AppError('SECTIONS_OVERLAP', `${b.name} overlaps ${a.name}.`, {
    field: b.field,
    overlaps: a.field,
    sections: [a.name, b.name],
    at: { x: Math.round(at[0] * 100) / 100, y: Math.round(at[1] * 100) / 100 },
  });
}

/**
 * Refuses (422 SECTIONS_OVERLAP, naming both parts) a layout where seats of two sections are closer
 * than SEAT_CLEARANCE, a seat lies on a standing area or the stage, or two of those shapes intersect.
 * Seats go into a grid of one-unit cells as they come, each compared with those already in its
 * neighbouring cells: one pass over 100,000 seats.
 */
export function checkOverlaps(plan: SeatPlan, positions: Float64Array): void {
  const sections: Part[] = plan.sections.map((s) => ({ field: `sections.${s.sectionNo}`, name: s.name }));
  const ownerOf = new Int32Array(plan.seatCount).fill(-1);
  for (const s of plan.sections)
    for (const r of s.rows) ownerOf.fill(s.sectionNo, r.firstSeatNo, r.firstSeatNo + r.seats);
  const grid = new Grid(positions);
  const clearance = SEAT_CLEARANCE ** 2;
  for (let seat = 0; seat < plan.seatCount; seat++) {
    const [x, y] = [positions[2 * seat]!, positions[2 * seat + 1]!];
    if (Number.isNaN(x)) continue;
    const [cx, cy] = [Math.floor(x), Math.floor(y)];
    const owner = ownerOf[seat]!;
    for (let dx = -1; dx <= 1; dx++)
      for (let dy = -1; dy <= 1; dy++)
        for (let other = grid.head(cx + dx, cy + dy); other >= 0; other = grid.next[other]!) {
          if (ownerOf[other] === owner) continue;
          const [ox, oy] = [positions[2 * other]!, positions[2 * other + 1]!];
          if ((ox - x) ** 2 + (oy - y) ** 2 < clearance)
            throw overlapError(sections[ownerOf[other]!]!, sections[owner]!, [x, y]);
        }
    grid.put(seat, cx, cy);
  }

  const shapes: (Part & { outline: Point[] })[] = (plan.standing ?? []).map((a) => ({
    field: `standing.${a.sectionNo - plan.sections.length}`,
    name: a.name,
    outline: areaOutline(a),
  }));
  if (plan.stage) shapes.push({ field: 'stage', name: plan.stage.label, outline: stageOutline(plan.stage) });
  shapes.forEach((shape, i) => {
    for (const earlier of shapes.slice(0, i))
      if (intersect(earlier.outline, shape.outline)) throw overlapError(earlier, shape, shape.outline[0]!);
    for (const seat of seatsNear(grid, shape.outline, positions)) {
      const at: Point = [positions[2 * seat]!, positions[2 * seat + 1]!];
      if (distanceTo(shape.outline, at) < SHAPE_CLEARANCE)
        throw overlapError(shape, sections[ownerOf[seat]!]!, at);
    }
  });
}

/** The seats in the grid cells a convex outline's box (and clearance) covers. */
function* seatsNear(grid: Grid, outline: Point[], positions: Float64Array): Generator<number> {
  const xs = outline.map((p) => p[0]);
  const ys = outline.map((p) => p[1]);
  const [x0, x1] = [Math.floor(Math.min(...xs) - 1), Math.floor(Math.max(...xs) + 1)];
  const [y0, y1] = [Math.floor(Math.min(...ys) - 1), Math.floor(Math.max(...ys) + 1)];
  // A big stage over a small venue: walk the seats rather than the cells.
  if ((x1 - x0 + 1) * (y1 - y0 + 1) > positions.length) {
    for (let seat = 0; 2 * seat < positions.length; seat++)
      if (!Number.isNaN(positions[2 * seat])) yield seat;
    return;
  }
  for (let cx = x0; cx <= x1; cx++)
    for (let cy = y0; cy <= y1; cy++)
      for (let seat = grid.head(cx, cy); seat >= 0; seat = grid.next[seat]!) yield seat;
}

/** Whether two convex outlines overlap by more than a touch (separating axis theorem). */
function intersect(a: Point[], b: Point[]): boolean {
  for (const outline of [a, b]) {
    for (let i = 0; i < outline.length; i++) {
      const [p, q] = [outline[i]!, outline[(i + 1) % outline.length]!];
      const axis = [q[1] - p[1], p[0] - q[0]] as const;
      const project = (points: Point[]) => points.map(([x, y]) => x * axis[0] + y * axis[1]);
      const [pa, pb] = [project(a), project(b)];
      if (Math.min(Math.max(...pa), Math.max(...pb)) - Math.max(Math.min(...pa), Math.min(...pb)) <= EPSILON)
        return false;
    }
  }
  return true;
}

/** How far a point is from a convex outline: 0 inside it. */
function distanceTo(outline: Point[], [x, y]: Point): number {
  let inside = true;
  let nearest = Infinity;
  for (let i = 0; i < outline.length; i++) {
    const [p, q] = [outline[i]!, outline[(i + 1) % outline.length]!];
    const [ex, ey] = [q[0] - p[0], q[1] - p[1]];
    // The outlines go clockwise on screen (y down): a point inside is on the same side of every edge.
    if (ex * (y - p[1]) - ey * (x - p[0]) < 0) inside = false;
    const t = Math.max(0, Math.min(1, ((x - p[0]) * ex + (y - p[1]) * ey) / (ex * ex + ey * ey)));
    nearest = Math.min(nearest, Math.hypot(x - p[0] - t * ex, y - p[1] - t * ey));
  }
  return inside ? 0 : nearest;
}
