import {
  useCallback,
  useEffect,
  useLayoutEffect,
  useMemo,
  useRef,
  useState,
  type KeyboardEvent,
} from 'react';
import { isFree } from '@tmomi/contract/bitset';
import { useI18n } from '../i18n';
import { countLeft, type Left } from './counts';
import { drawScene, type Cursor, type Scene } from './draw';
import { seatNear } from './grid';
import { drawMinimap, Minimap } from './Minimap';
import type { SeatIndex } from './model';
import { firstFree, firstFreeSeat, neighbour, placeAt, placeStep, type Direction } from './nav';
import { usePointers, type CanvasPoint } from './usePointers';
import { useSeatText } from './useSeatText';
import {
  centreOn,
  fitPlace,
  fitView,
  isZoomed,
  keepSeatInView,
  modeOf,
  pickPx,
  tapAction,
  toPlane,
  zoomView,
  type View,
} from './view';

interface Props {
  index: SeatIndex;
  /** null: every seat is drawn as available (the admin preview). */
  bits: Uint8Array | null;
  selected: ReadonlySet<number>;
  /** Absent: a picture only, no selection. */
  onToggle?: (seatNo: number) => void;
  /** A standing area was chosen (tapped, or Enter on it): it is bought by quantity, not on the map. */
  onArea?: (place: number) => void;
  /** Called once, after the first frame is on screen and the map takes clicks. */
  onReady?: () => void;
  /** Seats left per place and grade, if the page counted them already. */
  left?: Left;
  /** A grade's price, for the seat's name on hover. */
  priceText?: (grade: string) => string;
  label: string;
}

const ARROWS: Record<string, Direction> = {
  ArrowLeft: 'left',
  ArrowRight: 'right',
  ArrowUp: 'up',
  ArrowDown: 'down',
};

/**
 * The seat map on one canvas: an overview of sections coloured by grade with what is left in each, and
 * once zoomed the seats in view, drawn from typed arrays in one batch per colour. Frames are scheduled
 * with requestAnimationFrame, so a burst of availability updates or wheel events costs one frame.
 */
export function SeatCanvas({
  index,
  bits,
  selected,
  onToggle,
  onArea,
  onReady,
  priceText,
  label,
  ...props
}: Props) {
  const { t } = useI18n();
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const miniRef = useRef<HTMLCanvasElement>(null);
  const wrapRef = useRef<HTMLDivElement>(null);
  const view = useRef<View>({ scale: 1, tx: 0, ty: 0 });
  const size = useRef({ width: 0, height: 0, dpr: 1 });
  const frame = useRef(0);
  const [cursor, setCursor] = useState<Cursor | null>(null);
  const [focused, setFocused] = useState(false);
  const [peek, setPeek] = useState<{ x: number; y: number; text: string } | null>(null);
  const [zoomed, setZoomed] = useState(false);
  const ready = useRef(false);
  const counted = useMemo(() => props.left ?? countLeft(index, bits), [props.left, index, bits]);
  const text = useSeatText(index, bits, selected, counted, priceText);
  // What the next frame draws: drawing reads it from here, so a frame never waits for a re-render.
  const scene = useRef<Scene & { onReady?: () => void }>(null!);
  useLayoutEffect(() => {
    scene.current = { index, bits, selected, left: counted, leftText: text.left, cursor, focused, onReady };
  });

  const draw = useCallback(() => {
    frame.current = 0;
    const ctx = canvasRef.current?.getContext('2d');
    if (!ctx || size.current.width === 0) return;
    const s = scene.current;
    drawScene(ctx, size.current.dpr, size.current, view.current, s);
    if (miniRef.current) drawMinimap(miniRef.current, s.index, s.left, view.current, size.current);
    setZoomed(isZoomed(s.index, view.current, size.current));
    if (!ready.current) {
      ready.current = true;
      ctx.canvas.dataset.ready = 'true';
      scene.current.onReady?.();
    }
    // Where the plane is drawn, for browser tests that tap a seat where seatPositions puts it.
    const { scale, tx, ty } = view.current;
    ctx.canvas.dataset.view = `${scale},${tx},${ty}`;
  }, []);

  const schedule = useCallback(() => {
    if (frame.current === 0) frame.current = requestAnimationFrame(draw);
  }, [draw]);
  const show = useCallback(
    (next: View) => {
      view.current = next;
      schedule();
    },
    [schedule],
  );
  const fit = useCallback(() => show(fitView(index, size.current)), [index, show]);
  const zoom = useCallback(
    (factor: number, cx = size.current.width / 2, cy = size.current.height / 2) =>
      show(zoomView(view.current, factor, cx, cy)),
    [show],
  );

  useEffect(() => {
    const wrap = wrapRef.current;
    const canvas = canvasRef.current;
    if (!wrap || !canvas) return;
    let fitted = false;
    const observer = new ResizeObserver(() => {
      const dpr = window.devicePixelRatio || 1;
      size.current = { width: wrap.clientWidth, height: wrap.clientHeight, dpr };
      canvas.width = Math.round(size.current.width * dpr);
      canvas.height = Math.round(size.current.height * dpr);
      if (!fitted) {
        fitted = true;
        view.current = fitView(index, size.current);
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
  }, [index, zoom, draw]);

  useEffect(schedule, [index, bits, selected, cursor, focused, counted, zoomed, schedule]);

  const canPick = (seat: number) => seat >= 0 && (!bits || isFree(bits, seat) || selected.has(seat));
  const isArea = (place: number) => place >= index.sectionCount;
  const openPlace = (place: number) => {
    if (isArea(place)) onArea?.(place);
    else show(fitPlace(index.places[place]!.box, size.current));
  };

  const onTap = ({ x, y, pointerType }: CanvasPoint) => {
    const [px, py] = toPlane(view.current, x, y);
    const place = placeAt(index, px, py);
    if (place >= 0 && isArea(place)) {
      setCursor({ kind: 'place', place });
      return onArea?.(place);
    }
    const action = tapAction(view.current, pointerType);
    if (action === 'section') {
      if (place < 0) return;
      setCursor({ kind: 'place', place });
      return openPlace(place);
    }
    if (action === 'zoom') return zoom(pickPx(pointerType) / view.current.scale, x, y);
    const seat = seatNear(index.grid, index.pos, px, py);
    if (!onToggle || !canPick(seat)) return;
    setCursor({ kind: 'seat', seat });
    onToggle(seat);
  };
  const onPeek = (at: CanvasPoint | null) => {
    if (!at) return setPeek(null);
    const [px, py] = toPlane(view.current, at.x, at.y);
    const seat = modeOf(view.current) === 'seats' ? seatNear(index.grid, index.pos, px, py) : -1;
    const place = seat >= 0 ? -1 : placeAt(index, px, py);
    const words = seat >= 0 ? text.seat(seat) : place >= 0 ? text.place(place) : '';
    setPeek(words ? { x: at.x, y: at.y, text: words } : null);
  };
  const pan = (dx: number, dy: number) =>
    show({ ...view.current, tx: view.current.tx + dx, ty: view.current.ty + dy });
  const pointer = usePointers({ pan, zoom, onTap, onPeek });

  // Where the arrows start: the overview's first section; a venue shown whole at a zoom of seats, its
  // first free seat; zoomed in, the first free seat of the section in the middle of the view.
  const start = (): Cursor => {
    if (modeOf(view.current) === 'overview') return { kind: 'place', place: 0 };
    if (!isZoomed(index, view.current, size.current))
      return { kind: 'seat', seat: firstFreeSeat(index, bits) };
    const { width, height } = size.current;
    const [cx, cy] = toPlane(view.current, width / 2, height / 2);
    const middle = placeAt(index, cx, cy);
    const place = middle >= 0 && !isArea(middle) ? middle : 0;
    return { kind: 'seat', seat: firstFree(index, place, bits) };
  };
  const onKeyDown = (event: KeyboardEvent<HTMLCanvasElement>) => {
    const direction = ARROWS[event.key];
    const act = (fn: () => void) => {
      event.preventDefault();
      fn();
    };
    if (direction) {
      act(() => {
        if (!cursor) return setCursor(start());
        if (cursor.kind === 'place')
          return setCursor({ kind: 'place', place: placeStep(index, cursor.place, direction) });
        const next = neighbour(index, cursor.seat, direction);
        show(keepSeatInView(index, view.current, size.current, next));
        setCursor({ kind: 'seat', seat: next });
      });
    } else if (event.key === 'Enter' || event.key === ' ') {
      act(() => {
        if (cursor?.kind === 'place') {
          openPlace(cursor.place);
          if (!isArea(cursor.place)) setCursor({ kind: 'seat', seat: firstFree(index, cursor.place, bits) });
        } else if (cursor && onToggle && canPick(cursor.seat)) onToggle(cursor.seat);
      });
    } else if (event.key === 'Escape' && cursor?.kind === 'seat') {
      act(() => {
        setCursor({ kind: 'place', place: index.placeOf[cursor.seat]! });
        fit();
      });
    } else if (event.key === '+' || event.key === '=') zoom(1.25);
    else if (event.key === '-') zoom(0.8);
    else if (event.key === '0') fit();
  };

  const cursorText = !cursor
    ? ''
    : cursor.kind === 'seat'
      ? text.seat(cursor.seat)
      : text.place(cursor.place);
  const centre = (x: number, y: number) => show(centreOn(view.current, size.current, x, y));

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
          {...pointer}
          onKeyDown={onKeyDown}
          onFocus={() => setFocused(true)}
          onBlur={() => setFocused(false)}
        />
        {zoomed && <Minimap canvasRef={miniRef} index={index} onCentre={centre} />}
        {peek && (
          <div className="seatmap-peek" style={{ left: peek.x, top: peek.y }} aria-hidden="true">
            {peek.text}
          </div>
        )}
      </div>
    </div>
  );
}
