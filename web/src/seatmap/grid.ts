import type { Bounds } from '@tmomi/contract/layout-model';
import type { Point } from '@tmomi/contract/geometry';

/**
 * Seats bucketed in cells one seat wide over the map's bounds, as two typed arrays (the seats of cell c
 * are `seats[start[c] … start[c + 1] − 1]`): the seat under a point looks at nine cells, a frame draws
 * only the cells in view. Built in one counting pass and one filling pass.
 */
export interface Grid {
  x: number;
  y: number;
  cols: number;
  rows: number;
  start: Int32Array;
  seats: Int32Array;
}

export function buildGrid(pos: Float64Array, bounds: Bounds): Grid {
  const x = Math.floor(bounds.x);
  const y = Math.floor(bounds.y);
  const cols = Math.max(1, Math.ceil(bounds.x + bounds.width) - x + 1);
  const rows = Math.max(1, Math.ceil(bounds.y + bounds.height) - y + 1);
  const seatCount = pos.length / 2;
  const cellOf = new Int32Array(seatCount).fill(-1);
  const start = new Int32Array(cols * rows + 1);
  for (let s = 0; s < seatCount; s++) {
    const px = pos[2 * s]!;
    if (Number.isNaN(px)) continue;
    const cx = Math.min(cols - 1, Math.max(0, Math.floor(px - x)));
    const cy = Math.min(rows - 1, Math.max(0, Math.floor(pos[2 * s + 1]! - y)));
    cellOf[s] = cy * cols + cx;
    start[cellOf[s]! + 1]!++;
  }
  for (let c = 0; c < cols * rows; c++) start[c + 1]! += start[c]!;
  const fill = start.slice(0, cols * rows);
  const seats = new Int32Array(start[cols * rows]!);
  for (let s = 0; s < seatCount; s++) if (cellOf[s]! >= 0) seats[fill[cellOf[s]!]!++] = s;
  return { x, y, cols, rows, start, seats };
}

/** Calls `visit` with every seat whose cell meets the rectangle (in seat units). */
export function forSeatsIn(
  grid: Grid,
  minX: number,
  minY: number,
  maxX: number,
  maxY: number,
  visit: (seat: number) => void,
): void {
  const c0 = Math.max(0, Math.floor(minX - grid.x));
  const c1 = Math.min(grid.cols - 1, Math.floor(maxX - grid.x));
  const r0 = Math.max(0, Math.floor(minY - grid.y));
  const r1 = Math.min(grid.rows - 1, Math.floor(maxY - grid.y));
  for (let r = r0; r <= r1; r++) {
    const end = grid.start[r * grid.cols + c1 + 1]!;
    for (let i = grid.start[r * grid.cols + c0]!; i < end; i++) visit(grid.seats[i]!);
  }
}

/**
 * The seat nearest the point of those whose square (`reach` each way of its centre: half a seat, on it)
 * holds it, or -1: a point between four seats still finds one, a point in an aisle none.
 */
export function seatNear(grid: Grid, pos: Float64Array, x: number, y: number, reach = 0.5): number {
  let best = -1;
  let bestD = Infinity;
  forSeatsIn(grid, x - reach, y - reach, x + reach, y + reach, (s) => {
    const [dx, dy] = [pos[2 * s]! - x, pos[2 * s + 1]! - y];
    if (Math.abs(dx) > reach || Math.abs(dy) > reach) return;
    const d = dx * dx + dy * dy;
    if (d < bestD) [best, bestD] = [s, d];
  });
  return best;
}

/** Whether the point is inside the polygon (even–odd rule). */
export function inside(polygon: readonly Point[], x: number, y: number): boolean {
  let hit = false;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    const [xi, yi] = polygon[i]!;
    const [xj, yj] = polygon[j]!;
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) hit = !hit;
  }
  return hit;
}
