import { isFree } from '@tmomi/contract/bitset';
import type { Point } from '@tmomi/contract/geometry';
import { CURSOR_COLOUR, gradeColour, SELECTED_COLOUR, STAGE_COLOUR, TAKEN_COLOUR } from './colours';
import type { Left } from './counts';
import { forSeatsIn } from './grid';
import type { SeatIndex } from './model';
import { modeOf, type Size, type View } from './view';

/** The keyboard's place on the map: a section or area on the overview, then a seat in it. */
export type Cursor = { kind: 'place'; place: number } | { kind: 'seat'; seat: number };

export interface Scene {
  index: SeatIndex;
  bits: Uint8Array | null;
  selected: ReadonlySet<number>;
  left: Left;
  /** Formats "123 left" under a section's name on the overview. */
  leftText: (n: number) => string;
  cursor: Cursor | null;
  focused: boolean;
}

type Ctx = CanvasRenderingContext2D;

let hatch: CanvasPattern | null | undefined;
/** Diagonal stripes over the sold colour: a sold-out section is told by its pattern, not its grey alone. */
function soldPattern(ctx: Ctx): CanvasPattern | string {
  if (hatch === undefined) {
    const tile = document.createElement('canvas');
    tile.width = tile.height = 8;
    const t = tile.getContext('2d');
    if (t) {
      t.fillStyle = TAKEN_COLOUR;
      t.fillRect(0, 0, 8, 8);
      t.strokeStyle = '#ffffff';
      t.lineWidth = 1.5;
      t.beginPath();
      t.moveTo(0, 8);
      t.lineTo(8, 0);
      t.stroke();
    }
    hatch = t ? ctx.createPattern(tile, 'repeat') : null;
  }
  return hatch ?? TAKEN_COLOUR;
}

function trace(ctx: Ctx, v: View, points: readonly Point[]): void {
  ctx.beginPath();
  points.forEach(([x, y], i) => {
    if (i === 0) ctx.moveTo(x * v.scale + v.tx, y * v.scale + v.ty);
    else ctx.lineTo(x * v.scale + v.tx, y * v.scale + v.ty);
  });
  ctx.closePath();
}

type Rect = [number, number, number, number];

/**
 * A text in a white rounded box, dark on light whatever colour is under it; left out where it would
 * cover a box already drawn (32 wedges on a phone have no room for 32 names).
 */
function tag(ctx: Ctx, lines: string[], x: number, y: number, taken: Rect[]): void {
  ctx.font = '600 12px system-ui, sans-serif';
  const width = Math.max(...lines.map((l) => ctx.measureText(l).width)) + 8;
  const height = lines.length * 14 + 4;
  const box: Rect = [x - width / 2, y - height / 2, width, height];
  const overlaps = (r: Rect) =>
    r[0] < box[0] + box[2] && box[0] < r[0] + r[2] && r[1] < box[1] + box[3] && box[1] < r[1] + r[3];
  if (taken.some(overlaps)) return;
  taken.push(box);
  ctx.fillStyle = 'rgba(255,255,255,0.92)';
  ctx.beginPath();
  ctx.roundRect(...box, 3);
  ctx.fill();
  ctx.fillStyle = '#18181b';
  lines.forEach((l, i) => ctx.fillText(l, x, y - height / 2 + 9 + i * 14));
}

/** The stage, and each section and area as a shape in its grade's colour (hatched grey once sold out). */
export function drawPlaces(ctx: Ctx, v: View, s: Pick<Scene, 'index' | 'left'>, whole: boolean): void {
  const { index, left } = s;
  if (index.stage) {
    trace(ctx, v, index.stage.outline);
    ctx.fillStyle = STAGE_COLOUR;
    ctx.fill();
  }
  // Bevelled, not round: the same cover at a fraction of the rasterizing on a slow phone.
  ctx.lineJoin = 'bevel';
  index.places.forEach((place, p) => {
    trace(ctx, v, place.outline);
    // Seats drawn one by one show a section's shape already: then it is only a faint ground.
    if (!whole && !place.standing) {
      ctx.strokeStyle = ctx.fillStyle = '#f4f4f5';
      ctx.lineWidth = v.scale * 1.4;
      ctx.fill();
      ctx.stroke();
      return;
    }
    const some = left.places[p]! > 0;
    ctx.fillStyle = some ? gradeColour(place.grade) : soldPattern(ctx);
    ctx.fill();
    if (place.standing) return;
    // A stroke a seat wide: the outline runs through the outer seats' centres.
    ctx.strokeStyle = some ? gradeColour(place.grade) : TAKEN_COLOUR;
    ctx.lineWidth = v.scale;
    ctx.stroke();
  });
}

/** The stage's name, the free labels and the places' names over everything drawn, never hidden by seats. */
function drawTexts(ctx: Ctx, v: View, s: Scene, whole: boolean): void {
  const { index } = s;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  const taken: Rect[] = [];
  if (index.stage?.label) {
    const [x, y] = index.stage.centre;
    const [sx, sy] = [x * v.scale + v.tx, y * v.scale + v.ty];
    ctx.font = '700 13px system-ui, sans-serif';
    const room = Math.min(...index.stage.outline.map(([, py]) => Math.abs(py - y))) * 2 * v.scale;
    // On the stage in white where it has room; else in a box, as a section's name.
    if (room >= 16) {
      ctx.fillStyle = '#ffffff';
      ctx.fillText(index.stage.label, sx, sy);
    } else tag(ctx, [index.stage.label], sx, sy, taken);
  }
  for (const label of index.labels) {
    ctx.save();
    ctx.translate(label.x * v.scale + v.tx, label.y * v.scale + v.ty);
    ctx.rotate((label.rotation * Math.PI) / 180);
    ctx.font = `600 ${Math.max(10, Math.min(28, label.size * v.scale))}px system-ui, sans-serif`;
    ctx.fillStyle = '#52525b';
    ctx.fillText(label.text, 0, 0);
    ctx.restore();
  }
  index.places.forEach((place, p) => {
    if (Math.max(place.box.width, place.box.height) * v.scale < 28) return;
    const counted = whole || place.standing;
    const [x, y] = counted ? place.centre : place.nameAt;
    const lines = counted ? [place.name, s.leftText(s.left.places[p]!)] : [place.name];
    tag(ctx, lines, x * v.scale + v.tx, y * v.scale + v.ty, taken);
  });
}

/** The seats in view, each in one batch per colour: a few thousand path segments, not canvas calls. */
function drawSeats(ctx: Ctx, v: View, size: Size, s: Scene): void {
  const { index, bits, selected } = s;
  const [minX, minY] = [-v.tx / v.scale - 1, -v.ty / v.scale - 1];
  const [maxX, maxY] = [(size.width - v.tx) / v.scale + 1, (size.height - v.ty) / v.scale + 1];
  // Squares while small (a rect is cheaper than an arc, and thousands are in view), round once a seat
  // is big enough to carry a mark; a sold seat's cross and a wheelchair place's ring from 8 px.
  const round = v.scale >= 14;
  const marks = v.scale >= 8;
  const r = 0.42 * v.scale;
  const paths = new Map<string, Path2D>();
  const crosses = new Path2D();
  const rings = new Path2D();
  const add = (colour: string) => {
    let p = paths.get(colour);
    if (!p) paths.set(colour, (p = new Path2D()));
    return p;
  };
  forSeatsIn(index.grid, minX, minY, maxX, maxY, (seat) => {
    const x = index.pos[2 * seat]! * v.scale + v.tx;
    const y = index.pos[2 * seat + 1]! * v.scale + v.ty;
    const taken = bits !== null && !isFree(bits, seat) && !selected.has(seat);
    const colour = selected.has(seat)
      ? SELECTED_COLOUR
      : taken
        ? TAKEN_COLOUR
        : gradeColour(index.gradeOf[seat]!);
    const path = add(colour);
    if (round) {
      path.moveTo(x + r, y);
      path.arc(x, y, r, 0, 2 * Math.PI);
    } else path.rect(x - r, y - r, 2 * r, 2 * r);
    if (taken && marks) {
      const k = r * 0.55;
      crosses.moveTo(x - k, y - k);
      crosses.lineTo(x + k, y + k);
      crosses.moveTo(x + k, y - k);
      crosses.lineTo(x - k, y + k);
    }
    if (index.markOf[seat] === 1 && marks) {
      rings.moveTo(x + r * 0.55, y);
      rings.arc(x, y, r * 0.55, 0, 2 * Math.PI);
    }
  });
  for (const [colour, path] of paths) {
    ctx.fillStyle = colour;
    ctx.fill(path);
  }
  ctx.strokeStyle = '#ffffff';
  ctx.lineWidth = Math.max(1, v.scale * 0.09);
  ctx.stroke(crosses);
  ctx.stroke(rings);
}

function drawCursor(ctx: Ctx, v: View, s: Scene): void {
  const { cursor, index } = s;
  if (!s.focused || !cursor) return;
  ctx.strokeStyle = CURSOR_COLOUR;
  ctx.lineWidth = 3;
  if (cursor.kind === 'place') {
    const place = index.places[cursor.place];
    if (!place) return;
    trace(ctx, v, place.outline);
    ctx.lineWidth = Math.max(3, v.scale * 1.2);
    ctx.stroke();
    return;
  }
  const x = index.pos[2 * cursor.seat];
  const y = index.pos[2 * cursor.seat + 1];
  if (x === undefined || y === undefined || Number.isNaN(x)) return;
  const half = Math.max(5, 0.6 * v.scale);
  ctx.strokeRect(x * v.scale + v.tx - half, y * v.scale + v.ty - half, 2 * half, 2 * half);
}

/** One frame of the map: the overview's shapes, or the seats in view over their sections' ground. */
export function drawScene(ctx: Ctx, dpr: number, size: Size, v: View, s: Scene): void {
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.clearRect(0, 0, ctx.canvas.width, ctx.canvas.height);
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  const whole = modeOf(v) === 'overview';
  drawPlaces(ctx, v, s, whole);
  if (!whole) drawSeats(ctx, v, size, s);
  drawTexts(ctx, v, s, whole);
  drawCursor(ctx, v, s);
}
