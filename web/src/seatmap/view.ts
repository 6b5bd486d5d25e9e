import type { SeatIndex } from './model';

// Where the seat map is looked at from: seat units are drawn at (x * scale + tx, y * scale + ty) CSS
// pixels. Pure, so that the canvas only keeps the current view and asks these for the next one.

export interface View {
  scale: number;
  tx: number;
  ty: number;
}

export interface Size {
  width: number;
  height: number;
}

const MARGIN = 1;
const MIN_SCALE = 0.5;
const MAX_SCALE = 80;

/** The whole map, centred, with a seat's margin around it. */
export function fitView(index: SeatIndex, { width, height }: Size): View {
  const scale = Math.min(width / (index.width + 2 * MARGIN), height / (index.height + 2 * MARGIN));
  return { scale, tx: (width - index.width * scale) / 2, ty: (height - index.height * scale) / 2 };
}

/** Zoomed by `factor` (within bounds) about the point (cx, cy), which stays where it is. */
export function zoomView(v: View, factor: number, cx: number, cy: number): View {
  const scale = Math.min(MAX_SCALE, Math.max(MIN_SCALE, v.scale * factor));
  const k = scale / v.scale;
  return { scale, tx: cx - (cx - v.tx) * k, ty: cy - (cy - v.ty) * k };
}

/** The view moved so that `seat` is in the middle, if it is off screen; else the same view. */
export function keepSeatInView(index: SeatIndex, v: View, { width, height }: Size, seat: number): View {
  const row = index.rows[index.rowOf[seat] ?? -1];
  if (!row) return v;
  const sx = (row.x + seat - row.first + 0.5) * v.scale + v.tx;
  const sy = (row.y + 0.5) * v.scale + v.ty;
  if (sx >= 0 && sx <= width && sy >= 0 && sy <= height) return v;
  return { scale: v.scale, tx: v.tx + width / 2 - sx, ty: v.ty + height / 2 - sy };
}
