import type { Point } from '@tmomi/contract/geometry';
import { gradesOf, type SeatPlan } from '@tmomi/contract/layout';
import { GRADE_COLOURS } from '../seatmap/colours';
import { SEAT_RADIUS } from './select';

// SVG path data for the venue editor's plan: many seats as one path per section, so that a venue of
// thousands of seats is a few elements. Each seat's circle starts with `M x y` at its centre (then
// moves to its edge): the path says where the editor drew every seat, and a test reads it back.

const fmt = (n: number) => String(Math.round(n * 1000) / 1000);

/** Circles of SEAT_RADIUS about seats `from … to − 1` (a section's run of seat numbers). */
export function seatCircles(positions: Float64Array, from: number, to: number, r = SEAT_RADIUS): string {
  const parts: string[] = [];
  const d = fmt(2 * r);
  for (let s = from; s < to; s++) {
    const [x, y] = [positions[2 * s]!, positions[2 * s + 1]!];
    if (Number.isNaN(x)) continue;
    parts.push(
      `M${fmt(x)} ${fmt(y)}m-${fmt(r)} 0a${fmt(r)} ${fmt(r)} 0 1 0 ${d} 0a${fmt(r)} ${fmt(r)} 0 1 0 -${d} 0`,
    );
  }
  return parts.join('');
}

/** Marks drawn over seats: squares for wheelchair places, diamonds for companions, crosses for blocked. */
export function markShapes(positions: Float64Array, seats: number[], shape: 'square' | 'diamond' | 'cross') {
  const h = SEAT_RADIUS * 0.8;
  return seats
    .map((s) => {
      const [x, y] = [positions[2 * s]!, positions[2 * s + 1]!];
      if (Number.isNaN(x)) return '';
      if (shape === 'square')
        return `M${fmt(x - h)} ${fmt(y - h)}h${fmt(2 * h)}v${fmt(2 * h)}h-${fmt(2 * h)}z`;
      if (shape === 'diamond')
        return `M${fmt(x)} ${fmt(y - h)}l${fmt(h)} ${fmt(h)}l-${fmt(h)} ${fmt(h)}l-${fmt(h)} -${fmt(h)}z`;
      return `M${fmt(x - h)} ${fmt(y - h)}l${fmt(2 * h)} ${fmt(2 * h)}M${fmt(x + h)} ${fmt(y - h)}l-${fmt(2 * h)} ${fmt(2 * h)}`;
    })
    .join('');
}

/** A closed outline as path data. */
export const outlinePath = (outline: Point[]) =>
  outline.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${fmt(x)} ${fmt(y)}`).join('') + 'Z';

/** Each grade's colour, in the order the plan first names them. */
export function gradeColours(plan: SeatPlan): (grade: string) => string {
  const grades = gradesOf(plan);
  return (grade) => GRADE_COLOURS[Math.max(0, grades.indexOf(grade)) % GRADE_COLOURS.length]!;
}

/** The view box round the plan's bounds, with room to drag parts out: "x y width height". */
export function viewBoxOf(plan: SeatPlan | null, margin = 4): string {
  const b = plan?.bounds ?? { x: -10, y: -10, width: 20, height: 20 };
  const [w, h] = [Math.max(b.width, 20), Math.max(b.height, 12)];
  const [cx, cy] = [b.x + b.width / 2, b.y + b.height / 2];
  return [cx - w / 2 - margin, cy - h / 2 - margin, w + 2 * margin, h + 2 * margin].map(fmt).join(' ');
}
