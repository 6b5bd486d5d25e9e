import {
  useCallback,
  useEffect,
  useLayoutEffect,
  useMemo,
  useRef,
  useState,
  type KeyboardEvent,
  type PointerEvent,
} from 'react';
import { isFree } from '@tmomi/contract/bitset';
import { useI18n } from '../i18n';
import {
  cellFor,
  describeSeat,
  neighbour,
  paintSeats,
  pixelOf,
  seatAt,
  type Direction,
  type SeatIndex,
} from './model';
import { CURSOR_COLOUR, GRADE_COLOURS, SELECTED_COLOUR, TAKEN_COLOUR } from './colours';
import { fitView, keepSeatInView, zoomView, type View } from './view';

interface Point {
  x: number;
  y: number;
}

interface Props {
  index: SeatIndex;
  /** null: every seat is drawn as available (the admin preview). */
  bits: Uint8Array | null;
  selected: ReadonlySet<number>;
  /** Absent: a picture only, no selection. */
  onToggle?: (seatNo: number) => void;
  /** Called once, after the first frame is on screen and the map takes clicks. */
  onReady?: () => void;
  label: string;
}

const COLOURS = {
  grades: GRADE_COLOURS.map(pixelOf),
  taken: pixelOf(TAKEN_COLOUR),
  selected: pixelOf(SELECTED_COLOUR),
};

/**
 * The seat map on one canvas. Seats are painted into an image (see paintSeats) when their colours
 * change; a frame draws that image scaled to the view, plus the keyboard cursor. Frames are scheduled
 * with requestAnimationFrame, so a burst of availability updates or wheel events costs one frame.
 */
export function SeatCanvas({ index, bits, selected, onToggle, onReady, label }: Props) {
  const { t } = useI18n();
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const wrapRef = useRef<HTMLDivElement>(null);
  const view = useRef<View>({ scale: 1, tx: 0, ty: 0 });
  const size = useRef({ width: 0, height: 0, dpr: 1 });
  const frame = useRef(0);
  const pointers = useRef(new Map<number, Point>());
  const moved = useRef(false);
  const [cursor, setCursor] = useState(-1);
  const [focused, setFocused] = useState(false);
  const ready = useRef(false);
  // What the next frame draws: drawing reads it from here, so a frame never waits for a re-render.
  const latest = useRef({ index, cursor, focused, onReady });
  useLayoutEffect(() => {
    latest.current = { index, cursor, focused, onReady };
  });

  // The seats as an image, one cell of pixels per seat unit, repainted only when seats change colour;
  // panning and zooming just draw it scaled.
  const layer = useMemo(() => {
    const cell = cellFor(index);
    const canvas = document.createElement('canvas');
    canvas.width = Math.max(1, Math.ceil(index.width * cell));
    canvas.height = Math.max(1, Math.ceil(index.height * cell));
    const ctx = canvas.getContext('2d')!;
    const image = ctx.createImageData(canvas.width, canvas.height);
    return {
      canvas,
      ctx,
      image,
      target: { pixels: new Uint32Array(image.data.buffer), stride: canvas.width, cell },
    };
  }, [index]);
  // A layout effect: the image must be painted before the first frame can be drawn from it.
  useLayoutEffect(() => {
    paintSeats(layer.target, index, bits, selected, COLOURS);
    layer.ctx.putImageData(layer.image, 0, 0);
  }, [layer, index, bits, selected]);

  const draw = useCallback(() => {
    frame.current = 0;
    const canvas = canvasRef.current;
    const ctx = canvas?.getContext('2d');
    if (!canvas || !ctx || size.current.width === 0) return;
    const { index, cursor, focused } = latest.current;
    const { dpr } = size.current;
    const { scale, tx, ty } = view.current;
    const { cell } = layer.target;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    // Magnified, nearest-neighbour keeps seats crisp; shrunk, smoothing keeps the rows from shimmering.
    ctx.imageSmoothingEnabled = scale * dpr < cell;
    ctx.setTransform((dpr * scale) / cell, 0, 0, (dpr * scale) / cell, dpr * tx, dpr * ty);
    ctx.drawImage(layer.canvas, 0, 0);

    const row = index.rows[index.rowOf[cursor] ?? -1];
    if (focused && row) {
      ctx.setTransform(dpr * scale, 0, 0, dpr * scale, dpr * tx, dpr * ty);
      ctx.strokeStyle = CURSOR_COLOUR;
      ctx.lineWidth = Math.max(0.15, 2 / scale);
      ctx.strokeRect(row.x + (cursor - row.first), row.y, 1, 1);
    }
    if (!ready.current) {
      ready.current = true;
      canvas.dataset.ready = 'true';
      latest.current.onReady?.();
    }
  }, [layer]);

  const schedule = useCallback(() => {
    if (frame.current === 0) frame.current = requestAnimationFrame(draw);
  }, [draw]);

  const fit = useCallback(() => {
    view.current = fitView(index, size.current);
    schedule();
  }, [index, schedule]);

  const zoom = useCallback(
    (factor: number, cx = size.current.width / 2, cy = size.current.height / 2) => {
      view.current = zoomView(view.current, factor, cx, cy);
      schedule();
    },
    [schedule],
  );

  useEffect(() => {
    const wrap = wrapRef.current;
    const canvas = canvasRef.current;
    if (!wrap || !canvas) return;
    let fitted = false;
    const observer = new ResizeObserver(() => {
      const dpr = window.devicePixelRatio || 1;
      const width = wrap.clientWidth;
      const height = wrap.clientHeight;
      size.current = { width, height, dpr };
      canvas.width = Math.round(width * dpr);
      canvas.height = Math.round(height * dpr);
      if (!fitted) {
        fitted = true;
        fit();
      }
      // Resizing a canvas clears it: draw now, not a frame later, so it never flashes empty.
      draw();
    });
    observer.observe(wrap);
    // Non-passive so that the wheel zooms the map instead of scrolling the page.
    const onWheel = (event: WheelEvent) => {
      event.preventDefault();
      const box = canvas.getBoundingClientRect();
      zoom(Math.exp(-event.deltaY * 0.0015), event.clientX - box.left, event.clientY - box.top);
    };
    canvas.addEventListener('wheel', onWheel, { passive: false });
    return () => {
      observer.disconnect();
      canvas.removeEventListener('wheel', onWheel);
      cancelAnimationFrame(frame.current);
      frame.current = 0;
    };
  }, [fit, zoom, draw]);

  useEffect(schedule, [index, bits, selected, cursor, focused, schedule]);

  const seatUnder = (event: PointerEvent) => {
    const box = event.currentTarget.getBoundingClientRect();
    const { scale, tx, ty } = view.current;
    return seatAt(index, (event.clientX - box.left - tx) / scale, (event.clientY - box.top - ty) / scale);
  };
  const canPick = (seat: number) => seat >= 0 && (!bits || isFree(bits, seat) || selected.has(seat));

  // One pointer pans (after a few pixels: less is a tap on a seat); two pointers pinch-zoom.
  const onPointerDown = (event: PointerEvent<HTMLCanvasElement>) => {
    if (pointers.current.size === 0) moved.current = false;
    pointers.current.set(event.pointerId, { x: event.clientX, y: event.clientY });
    event.currentTarget.setPointerCapture(event.pointerId);
  };
  const onPointerMove = (event: PointerEvent<HTMLCanvasElement>) => {
    const p = pointers.current.get(event.pointerId);
    if (!p) return;
    const box = event.currentTarget.getBoundingClientRect();
    if (pointers.current.size === 1) {
      const dx = event.clientX - p.x;
      const dy = event.clientY - p.y;
      if (!moved.current && Math.hypot(dx, dy) < 4) return;
      moved.current = true;
      view.current = { ...view.current, tx: view.current.tx + dx, ty: view.current.ty + dy };
    } else if (pointers.current.size === 2) {
      const [a, b] = [...pointers.current.values()] as [Point, Point];
      const before = { d: Math.hypot(a.x - b.x, a.y - b.y), x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 };
      p.x = event.clientX;
      p.y = event.clientY;
      const after = { d: Math.hypot(a.x - b.x, a.y - b.y), x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 };
      moved.current = true;
      view.current = {
        ...view.current,
        tx: view.current.tx + after.x - before.x,
        ty: view.current.ty + after.y - before.y,
      };
      if (before.d > 0) zoom(after.d / before.d, after.x - box.left, after.y - box.top);
    }
    p.x = event.clientX;
    p.y = event.clientY;
    schedule();
  };
  const onPointerUp = (event: PointerEvent<HTMLCanvasElement>) => {
    const tap = pointers.current.size === 1 && !moved.current;
    pointers.current.delete(event.pointerId);
    if (!tap || !onToggle) return;
    const seat = seatUnder(event);
    if (!canPick(seat)) return;
    setCursor(seat);
    onToggle(seat);
  };

  const onKeyDown = (event: KeyboardEvent<HTMLCanvasElement>) => {
    const arrows: Record<string, Direction> = {
      ArrowLeft: 'left',
      ArrowRight: 'right',
      ArrowUp: 'up',
      ArrowDown: 'down',
    };
    const direction = arrows[event.key];
    if (direction) {
      event.preventDefault();
      const next = cursor < 0 ? firstPickable() : neighbour(index, cursor, direction);
      view.current = keepSeatInView(index, view.current, size.current, next);
      setCursor(next);
    } else if ((event.key === 'Enter' || event.key === ' ') && onToggle && canPick(cursor)) {
      event.preventDefault();
      onToggle(cursor);
    } else if (event.key === '+' || event.key === '=') {
      zoom(1.25);
    } else if (event.key === '-') {
      zoom(0.8);
    } else if (event.key === '0') {
      fit();
    }
  };
  const firstPickable = () => {
    for (let seat = 0; seat < index.seatCount; seat++) if (canPick(seat)) return seat;
    return 0;
  };

  const described = cursor >= 0 ? describeSeat(index, cursor) : null;
  const cursorText = described
    ? `${t('seats.seat', { section: described.section, row: described.row, number: described.number })} · ${described.grade}` +
      (bits && !isFree(bits, cursor) && !selected.has(cursor) ? ` · ${t('seats.unavailable')}` : '') +
      (selected.has(cursor) ? ` · ${t('seats.selected')}` : '')
    : '';

  return (
    <div className="seatmap">
      <div className="seatmap-tools">
        <button type="button" onClick={() => zoom(1.25)} aria-label={t('seats.zoomIn')}>
          +
        </button>
        <button type="button" onClick={() => zoom(0.8)} aria-label={t('seats.zoomOut')}>
          −
        </button>
        <button type="button" onClick={fit}>
          {t('seats.fit')}
        </button>
        <span className="seatmap-cursor" aria-live="polite">
          {cursorText}
        </span>
      </div>
      <div className="seatmap-canvas" ref={wrapRef}>
        <canvas
          ref={canvasRef}
          tabIndex={0}
          role="application"
          aria-label={label}
          onPointerDown={onPointerDown}
          onPointerMove={onPointerMove}
          onPointerUp={onPointerUp}
          onPointerCancel={(event) => pointers.current.delete(event.pointerId)}
          onKeyDown={onKeyDown}
          onFocus={() => setFocused(true)}
          onBlur={() => setFocused(false)}
        />
      </div>
    </div>
  );
}
