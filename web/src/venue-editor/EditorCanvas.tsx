import { useRef, useState, type KeyboardEvent, type PointerEvent } from 'react';
import { areaOutline, stageOutline, type Point } from '@tmomi/contract/geometry';
import type { SeatPlan } from '@tmomi/contract/layout';
import { useI18n } from '../i18n';
import { placeOf, type Draft, type Part } from './draft';
import { gradeColours, markShapes, outlinePath, seatCircles, viewBoxOf } from './drawing';
import { markedSeats, partAt, seatAt, seatsInRect } from './select';

export type Mode = 'move' | 'seats';

interface Props {
  draft: Draft;
  plan: SeatPlan;
  positions: Float64Array;
  mode: Mode;
  part: Part | undefined;
  seats: ReadonlySet<number>;
  /** The fields of parts the overlap check names (sections.1, standing.0, stage). */
  overlapping: ReadonlySet<string>;
  onPart: (part: Part | undefined) => void;
  /** A part dragged, or moved by key, to x, y (and turned to `rotation`). */
  onPlace: (part: Part, x: number, y: number, rotation?: number) => void;
  /** Seats picked: to replace the selection, to add to it, or (a click on one) to toggle. */
  onSeats: (seats: number[], how: 'replace' | 'add' | 'toggle') => void;
}

type Drag =
  | { kind: 'part'; part: Part; from: Point; origin: { x: number; y: number } }
  | { kind: 'rect'; from: Point; to: Point; add: boolean };

const fieldOf = (part: Part) =>
  part.kind === 'stage' ? 'stage' : `${part.kind === 'section' ? 'sections' : part.kind}.${part.index}`;
const same = (a: Part | undefined, b: Part) => a !== undefined && fieldOf(a) === fieldOf(b);

/**
 * The plan the organizer edits, in SVG: each section's seats one path (coloured by grade), the marks
 * over them, the standing areas, the stage and the labels. Parts are dragged (or moved by the arrow keys
 * and turned by [ and ]); in seat mode a click toggles a seat, a dragged rectangle selects seats.
 */
export function EditorCanvas(props: Props) {
  const { draft, plan, positions, mode, part, seats, overlapping } = props;
  const { t } = useI18n();
  const svg = useRef<SVGSVGElement>(null);
  const [drag, setDrag] = useState<Drag | null>(null);
  // The view stays put while something is dragged, so the part under the pointer does not slide away.
  const [frozen, setFrozen] = useState<string | null>(null);
  const viewBox = frozen ?? viewBoxOf(plan);
  const colour = gradeColours(plan);
  const marks = markedSeats(plan);

  const toPlane = (e: PointerEvent): Point => {
    const matrix = svg.current?.getScreenCTM();
    if (!matrix) return [0, 0];
    const p = new DOMPoint(e.clientX, e.clientY).matrixTransform(matrix.inverse());
    return [p.x, p.y];
  };

  const down = (e: PointerEvent<SVGSVGElement>) => {
    if (e.button !== 0) return;
    const at = toPlane(e);
    svg.current?.setPointerCapture(e.pointerId);
    setFrozen(viewBox);
    if (mode === 'seats') {
      setDrag({ kind: 'rect', from: at, to: at, add: e.shiftKey });
      return;
    }
    const hit = partAt(draft, plan, positions, at);
    props.onPart(hit);
    const origin = hit && placeOf(draft, hit);
    setDrag(hit && origin ? { kind: 'part', part: hit, from: at, origin } : null);
  };

  const move = (e: PointerEvent<SVGSVGElement>) => {
    if (!drag) return;
    const at = toPlane(e);
    if (drag.kind === 'rect') setDrag({ ...drag, to: at });
    else props.onPlace(drag.part, drag.origin.x + at[0] - drag.from[0], drag.origin.y + at[1] - drag.from[1]);
  };

  const up = () => {
    if (drag?.kind === 'rect') {
      const moved = Math.hypot(drag.to[0] - drag.from[0], drag.to[1] - drag.from[1]) > 0.3;
      const hit = seatAt(positions, drag.from[0], drag.from[1]);
      // A click on a seat toggles it; a drag selects what its rectangle holds.
      if (moved) props.onSeats(seatsInRect(positions, drag.from, drag.to), drag.add ? 'add' : 'replace');
      else if (hit >= 0) props.onSeats([hit], 'toggle');
      else if (!drag.add) props.onSeats([], 'replace');
    }
    setDrag(null);
    setFrozen(null);
  };

  const key = (e: KeyboardEvent<SVGSVGElement>) => {
    if (e.key === 'Escape') {
      props.onPart(undefined);
      props.onSeats([], 'replace');
      return;
    }
    const place = part && placeOf(draft, part);
    if (!part || !place) return;
    const step = e.shiftKey ? 0.1 : 1;
    const moves: Record<string, [number, number, number]> = {
      ArrowLeft: [-step, 0, 0],
      ArrowRight: [step, 0, 0],
      ArrowUp: [0, -step, 0],
      ArrowDown: [0, step, 0],
      '[': [0, 0, -(e.shiftKey ? 1 : 5)],
      ']': [0, 0, e.shiftKey ? 1 : 5],
      '{': [0, 0, -1],
      '}': [0, 0, 1],
    };
    const by = moves[e.key];
    if (!by) return;
    e.preventDefault();
    props.onPlace(part, place.x + by[0], place.y + by[1], by[2] ? place.rotation + by[2] : undefined);
  };

  const partClass = (p: Part) =>
    [same(part, p) && 'part-selected', overlapping.has(fieldOf(p)) && 'part-overlap']
      .filter(Boolean)
      .join(' ');
  const selected = [...seats].filter((s) => s < plan.seatCount);
  const rect = drag?.kind === 'rect' ? drag : null;

  return (
    <svg
      ref={svg}
      className={`editor-canvas mode-${mode}`}
      viewBox={viewBox}
      role="application"
      aria-label={t('editor.canvas')}
      aria-describedby="editor-help"
      tabIndex={0}
      data-seat-count={plan.seatCount}
      onPointerDown={down}
      onPointerMove={move}
      onPointerUp={up}
      onPointerCancel={up}
      onKeyDown={key}
    >
      {plan.stage && (
        <g className={`stage ${partClass({ kind: 'stage' })}`} data-part="stage">
          <path d={outlinePath(stageOutline(plan.stage))} />
          <text
            x={plan.stage.x}
            y={plan.stage.y}
            dominantBaseline="middle"
            textAnchor="middle"
            fontSize={1.2}
          >
            {plan.stage.label}
          </text>
        </g>
      )}
      {(plan.standing ?? []).map((a, i) => (
        <g
          key={`a${i}`}
          className={`area ${partClass({ kind: 'standing', index: i })}`}
          data-part={`standing.${i}`}
        >
          <path d={outlinePath(areaOutline(a))} fill={colour(a.grade)} />
          <text x={a.x} y={a.y} dominantBaseline="middle" textAnchor="middle" fontSize={1.2}>
            {`${a.name} · ${a.capacity}`}
          </text>
        </g>
      ))}
      {plan.sections.map((s, i) => {
        const first = s.rows[0]?.firstSeatNo ?? 0;
        const last = s.rows.at(-1);
        const end = last ? last.firstSeatNo + last.seats : first;
        return (
          <path
            key={`s${i}`}
            className={`seats ${partClass({ kind: 'section', index: i })}`}
            data-part={`sections.${i}`}
            data-section={s.name}
            data-first-seat={first}
            fill={colour(s.grade)}
            d={seatCircles(positions, first, end)}
          />
        );
      })}
      <path className="mark-accessible" d={markShapes(positions, marks.accessible, 'square')} />
      <path className="mark-companion" d={markShapes(positions, marks.companion, 'diamond')} />
      <path className="mark-blocked" d={markShapes(positions, marks.blocked, 'cross')} />
      <path
        className="seat-selected"
        d={selected.map((s) => seatCircles(positions, s, s + 1, 0.5)).join('')}
      />
      {draft.labels.map((l, i) => (
        <text
          key={`l${i}`}
          className={`label ${partClass({ kind: 'label', index: i })}`}
          data-part={`labels.${i}`}
          x={l.x}
          y={l.y}
          fontSize={l.size ?? 1}
          dominantBaseline="middle"
          textAnchor="middle"
          transform={`rotate(${l.rotation ?? 0} ${l.x} ${l.y})`}
        >
          {l.text}
        </text>
      ))}
      {rect && (
        <rect
          className="select-rect"
          x={Math.min(rect.from[0], rect.to[0])}
          y={Math.min(rect.from[1], rect.to[1])}
          width={Math.abs(rect.to[0] - rect.from[0])}
          height={Math.abs(rect.to[1] - rect.from[1])}
        />
      )}
    </svg>
  );
}
