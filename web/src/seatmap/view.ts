import type { Bounds } from '@tmomi/contract/layout-model';
import type { SeatIndex } from './model';

// Where the seat map is looked at from: a point (x, y) in seat units is drawn at (x * scale + tx,
// y * scale + ty) CSS pixels, so `scale` is a seat's width in CSS pixels. Pure, so that the canvas only
// keeps the current view and asks these for the next one, and the thresholds are tested here.

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
const MIN_SCALE = 0.3;
const MAX_SCALE = 80;

/** Below this many pixels a seat, the map is an overview: sections drawn whole, with what is left. */
export const OVERVIEW_BELOW = 6;
/**
 * A tap picks a seat only when a seat is at least this wide (CSS px): 24 for a finger (WCAG 2.2's
 * target size), 10 for a mouse or pen. Smaller, a tap zooms there instead of risking the wrong seat.
 */
const PICK_PX = { touch: 24, mouse: 10 } as const;

export const pickPx = (pointerType: string): number =>
  pointerType === 'touch' ? PICK_PX.touch : PICK_PX.mouse;

export type Mode = 'overview' | 'seats';
export const modeOf = (v: View): Mode => (v.scale < OVERVIEW_BELOW ? 'overview' : 'seats');

/** What a tap at this zoom does: open the section under it, zoom in on the seats there, or pick one. */
export function tapAction(v: View, pointerType: string): 'section' | 'zoom' | 'pick' {
  if (modeOf(v) === 'overview') return 'section';
  return v.scale >= pickPx(pointerType) ? 'pick' : 'zoom';
}

/** The box (in seat units), centred, with a seat's margin around it. */
export function fitBox(box: Bounds, { width, height }: Size): View {
  const scale = Math.min(
    MAX_SCALE,
    Math.max(MIN_SCALE, Math.min(width / (box.width + 2 * MARGIN), height / (box.height + 2 * MARGIN))),
  );
  return {
    scale,
    tx: width / 2 - (box.x + box.width / 2) * scale,
    ty: height / 2 - (box.y + box.height / 2) * scale,
  };
}

/**
 * A section opened from the overview: fitted, but never so small that it is still the overview (a
 * 100-row wedge on a phone would be); then it is centred and runs past the edges.
 */
export function fitPlace(box: Bounds, size: Size): View {
  const v = fitBox(box, size);
  return v.scale >= OVERVIEW_BELOW
    ? v
    : zoomView(v, OVERVIEW_BELOW / v.scale, size.width / 2, size.height / 2);
}

/** The whole map. */
export const fitView = (index: SeatIndex, size: Size): View => fitBox(index.bounds, size);

/** Whether the view shows less than the whole map, so that a minimap helps. */
export const isZoomed = (index: SeatIndex, v: View, size: Size): boolean =>
  v.scale > fitView(index, size).scale * 1.3;

/** Zoomed by `factor` (within bounds) about the point (cx, cy), which stays where it is. */
export function zoomView(v: View, factor: number, cx: number, cy: number): View {
  const scale = Math.min(MAX_SCALE, Math.max(MIN_SCALE, v.scale * factor));
  const k = scale / v.scale;
  return { scale, tx: cx - (cx - v.tx) * k, ty: cy - (cy - v.ty) * k };
}

/** The view with the point (x, y) in seat units in the middle. */
export const centreOn = (v: View, { width, height }: Size, x: number, y: number): View => ({
  scale: v.scale,
  tx: width / 2 - x * v.scale,
  ty: height / 2 - y * v.scale,
});

/** The view moved so that `seat` is in the middle, if it is off screen; else the same view. */
export function keepSeatInView(index: SeatIndex, v: View, size: Size, seat: number): View {
  const x = index.pos[2 * seat];
  const y = index.pos[2 * seat + 1];
  if (x === undefined || y === undefined || Number.isNaN(x)) return v;
  const sx = x * v.scale + v.tx;
  const sy = y * v.scale + v.ty;
  if (sx >= 0 && sx <= size.width && sy >= 0 && sy <= size.height) return v;
  return centreOn(v, size, x, y);
}

/** The seat-unit point under a CSS pixel of the canvas. */
export const toPlane = (v: View, px: number, py: number): [number, number] => [
  (px - v.tx) / v.scale,
  (py - v.ty) / v.scale,
];
