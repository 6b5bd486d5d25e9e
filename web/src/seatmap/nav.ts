import { isFree } from '@tmomi/contract/bitset';
import { inside, seatNear } from './grid';
import type { SeatIndex } from './model';

export type Direction = 'left' | 'right' | 'up' | 'down';

const VECTORS: Record<Direction, [number, number]> = {
  left: [-1, 0],
  right: [1, 0],
  up: [0, -1],
  down: [0, 1],
};

/** The section or standing area under a point (seat units), or -1: an area, a seat, then an outline. */
export function placeAt(index: SeatIndex, x: number, y: number): number {
  for (let p = index.sectionCount; p < index.places.length; p++)
    if (inside(index.places[p]!.outline, x, y)) return p;
  const seat = seatNear(index.grid, index.pos, x, y, 1);
  if (seat >= 0) return index.placeOf[seat]!;
  for (let p = 0; p < index.sectionCount; p++) if (inside(index.places[p]!.outline, x, y)) return p;
  return -1;
}

/** The seat of row `r` nearest the point. */
function nearestInRow(index: SeatIndex, r: number, x: number, y: number): number {
  const row = index.rows[r]!;
  let best = row.first;
  let bestD = Infinity;
  for (let s = row.first; s < row.first + row.seats; s++) {
    const d = (index.pos[2 * s]! - x) ** 2 + (index.pos[2 * s + 1]! - y) ** 2;
    if (d < bestD) [best, bestD] = [s, d];
  }
  return best;
}

/**
 * The seat an arrow key moves to, as the map shows it: of the seats beside this one in its row and the
 * nearest in the rows in front and behind (in its section), the one lying most nearly in the arrow's
 * direction (within 60° of it). A turned or curved section moves as it looks; at an edge, nothing moves.
 */
export function neighbour(index: SeatIndex, seat: number, direction: Direction): number {
  const r = index.rowOf[seat] ?? -1;
  const row = index.rows[r];
  if (!row) return seat;
  const [x, y] = [index.pos[2 * seat]!, index.pos[2 * seat + 1]!];
  const candidates: number[] = [];
  if (seat > row.first) candidates.push(seat - 1);
  if (seat < row.first + row.seats - 1) candidates.push(seat + 1);
  for (const other of [r - 1, r + 1]) {
    const next = index.rows[other];
    if (next && next.section === row.section) candidates.push(nearestInRow(index, other, x, y));
  }
  const [vx, vy] = VECTORS[direction];
  let best = seat;
  let bestScore = -Infinity;
  for (const c of candidates) {
    const [dx, dy] = [index.pos[2 * c]! - x, index.pos[2 * c + 1]! - y];
    const length = Math.hypot(dx, dy);
    const cos = (dx * vx + dy * vy) / length;
    if (cos < 0.5) continue;
    const score = cos - length / 100;
    if (score > bestScore) [best, bestScore] = [c, score];
  }
  return best;
}

/** The section or area before or after `place` (arrows on the overview: left and up go back). */
export function placeStep(index: SeatIndex, place: number, direction: Direction): number {
  const step = direction === 'left' || direction === 'up' ? -1 : 1;
  return Math.min(index.places.length - 1, Math.max(0, place + step));
}

/** The first seat of a section that can be picked now, else its first seat. */
export function firstFree(index: SeatIndex, place: number, bits: Uint8Array | null): number {
  const p = index.places[place]!;
  if (bits) for (let s = p.first; s < p.first + p.count; s++) if (isFree(bits, s)) return s;
  return p.first;
}

/** The first seat of the venue that can be picked now (sections in order), else its first seat. */
export function firstFreeSeat(index: SeatIndex, bits: Uint8Array | null): number {
  for (let p = 0; p < index.sectionCount; p++) {
    const seat = firstFree(index, p, bits);
    if (!bits || isFree(bits, seat)) return seat;
  }
  return 0;
}
