import { areaOutline, stageOutline, type Point } from '@tmomi/contract/geometry';
import type { SeatPlan } from '@tmomi/contract/layout';
import type { Draft, Mark, Part } from './draft';

// What is under the organizer's pointer, in the venue's own units (seat widths): a seat, the seats in a
// dragged rectangle, the part a point falls on; and seats marked accessible, companion or blocked.

/** A seat's radius as drawn; a point this near its centre is on it. */
export const SEAT_RADIUS = 0.4;

/** The seat whose centre is nearest (x, y) and within `radius` of it, or −1. */
export function seatAt(positions: Float64Array, x: number, y: number, radius = SEAT_RADIUS): number {
  let best = -1;
  let bestDistance = radius * radius;
  for (let s = 0; 2 * s < positions.length; s++) {
    const d = (positions[2 * s]! - x) ** 2 + (positions[2 * s + 1]! - y) ** 2;
    if (d <= bestDistance) [best, bestDistance] = [s, d];
  }
  return best;
}

/** The seats whose centres lie in the rectangle of two corners (either way round), in seat order. */
export function seatsInRect(positions: Float64Array, a: Point, b: Point): number[] {
  const [x0, x1] = [Math.min(a[0], b[0]), Math.max(a[0], b[0])];
  const [y0, y1] = [Math.min(a[1], b[1]), Math.max(a[1], b[1])];
  const found: number[] = [];
  for (let s = 0; 2 * s < positions.length; s++) {
    const [x, y] = [positions[2 * s]!, positions[2 * s + 1]!];
    if (x >= x0 && x <= x1 && y >= y0 && y <= y1) found.push(s);
  }
  return found;
}

/** Where a seat number is: its section's index, its row's index, and its number in the row (1-based). */
export interface SeatPlace {
  section: number;
  row: number;
  n: number;
}

/** Finds each seat's section and row (by binary search over the rows' runs of seat numbers). */
export function seatLocator(plan: SeatPlan): (seat: number) => SeatPlace | undefined {
  const runs = plan.sections.flatMap((s, section) =>
    s.rows.map((r, row) => ({ first: r.firstSeatNo, seats: r.seats, section, row })),
  );
  return (seat) => {
    let [lo, hi] = [0, runs.length - 1];
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const run = runs[mid]!;
      if (seat < run.first) hi = mid - 1;
      else if (seat >= run.first + run.seats) lo = mid + 1;
      else return { section: run.section, row: run.row, n: seat - run.first + 1 };
    }
    return undefined;
  };
}

/** Whether a point is inside a convex outline (clockwise on screen, as geometry.ts gives them). */
function inside(outline: Point[], [x, y]: Point): boolean {
  return outline.every((p, i) => {
    const q = outline[(i + 1) % outline.length]!;
    return (q[0] - p[0]) * (y - p[1]) - (q[1] - p[1]) * (x - p[0]) >= 0;
  });
}

/**
 * The part at a point: a label (its text's box), a section (one of its seats), a standing area, the
 * stage — the one drawn on top first.
 */
export function partAt(draft: Draft, plan: SeatPlan, positions: Float64Array, at: Point): Part | undefined {
  const label = draft.labels.findIndex((l) => {
    const size = l.size ?? 1;
    const halfWidth = (size * 0.6 * l.text.length) / 2;
    return Math.abs(at[0] - l.x) <= halfWidth && Math.abs(at[1] - l.y) <= size / 2;
  });
  if (label >= 0) return { kind: 'label', index: label };
  const seat = seatAt(positions, at[0], at[1], 0.5);
  const place = seat >= 0 ? seatLocator(plan)(seat) : undefined;
  if (place) return { kind: 'section', index: place.section };
  const area = (plan.standing ?? []).findIndex((a) => inside(areaOutline(a), at));
  if (area >= 0) return { kind: 'standing', index: area };
  if (plan.stage && inside(stageOutline(plan.stage), at)) return { kind: 'stage' };
  return undefined;
}

/**
 * The draft with `seats` marked: `accessible` and `companion` exclude each other (a wheelchair place is
 * not also a companion's seat), `blocked` goes with either; `clear` takes every mark off.
 */
export function markSeats(
  draft: Draft,
  plan: SeatPlan,
  seats: Iterable<number>,
  mark: Mark | 'clear',
): Draft {
  const locate = seatLocator(plan);
  const sections = draft.sections.map((s) => ({ ...s, rows: s.rows.map((r) => ({ ...r })) }));
  const off: Mark[] =
    mark === 'clear' ? ['accessible', 'companion', 'blocked'] : mark === 'blocked' ? [] : [other(mark)];
  for (const seat of seats) {
    const place = locate(seat);
    const row = place && sections[place.section]?.rows[place.row];
    if (!place || !row) continue;
    for (const key of off) row[key] = row[key]?.filter((n) => n !== place.n);
    if (mark !== 'clear' && !row[mark]?.includes(place.n)) row[mark] = [...(row[mark] ?? []), place.n];
  }
  for (const s of sections)
    for (const row of s.rows)
      for (const key of ['accessible', 'companion', 'blocked'] as const) {
        if (row[key]?.length) row[key] = [...row[key]].sort((a, b) => a - b);
        else delete row[key];
      }
  return { ...draft, sections };
}

const other = (mark: 'accessible' | 'companion'): Mark =>
  mark === 'accessible' ? 'companion' : 'accessible';

/** Each seat's marks, for drawing: seat numbers by mark. */
export function markedSeats(plan: SeatPlan): Record<Mark, number[]> {
  const out: Record<Mark, number[]> = { accessible: [], companion: [], blocked: [] };
  for (const s of plan.sections)
    for (const r of s.rows)
      for (const key of ['accessible', 'companion', 'blocked'] as const)
        for (const n of r[key] ?? []) out[key].push(r.firstSeatNo + n - 1);
  return out;
}
