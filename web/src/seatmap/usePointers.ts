import { useRef, type PointerEvent } from 'react';

interface Point {
  x: number;
  y: number;
}

/** Where on the canvas (CSS px) something happened, and with what. */
export interface CanvasPoint {
  x: number;
  y: number;
  pointerType: string;
}

interface Handlers {
  /** Move the view by CSS pixels. */
  pan: (dx: number, dy: number) => void;
  /** Zoom by a factor about a canvas point. */
  zoom: (factor: number, cx: number, cy: number) => void;
  onTap: (at: CanvasPoint) => void;
  /** A mouse over the map with no button down, or a finger held still: a seat's name and price. */
  onPeek: (at: CanvasPoint | null) => void;
}

const LONG_PRESS_MS = 450;

/**
 * Pointer gestures on the map: one pointer pans (after a few pixels: less is a tap), two pinch-zoom, a
 * finger held still peeks (and its lifting is no tap), and a mouse moving freely peeks too.
 */
export function usePointers({ pan, zoom, onTap, onPeek }: Handlers) {
  const pointers = useRef(new Map<number, Point>());
  const dragged = useRef(false);
  const pressed = useRef<{ timer: ReturnType<typeof setTimeout> | undefined; fired: boolean }>({
    timer: undefined,
    fired: false,
  });
  const local = (event: PointerEvent<HTMLCanvasElement>): CanvasPoint => {
    const box = event.currentTarget.getBoundingClientRect();
    return { x: event.clientX - box.left, y: event.clientY - box.top, pointerType: event.pointerType };
  };
  const cancelPress = () => clearTimeout(pressed.current.timer);

  const onPointerDown = (event: PointerEvent<HTMLCanvasElement>) => {
    if (pointers.current.size === 0) {
      dragged.current = false;
      pressed.current.fired = false;
    }
    pointers.current.set(event.pointerId, { x: event.clientX, y: event.clientY });
    event.currentTarget.setPointerCapture(event.pointerId);
    // A finger's tap must not focus the map after it (the emulated mousedown would): a tapped standing
    // area moves the focus to its quantity, and stays there.
    if (event.pointerType !== 'mouse') event.preventDefault();
    cancelPress();
    if (event.pointerType !== 'mouse' && pointers.current.size === 1) {
      const at = local(event);
      pressed.current.timer = setTimeout(() => {
        if (dragged.current || pointers.current.size !== 1) return;
        pressed.current.fired = true;
        onPeek(at);
      }, LONG_PRESS_MS);
    }
  };

  const onPointerMove = (event: PointerEvent<HTMLCanvasElement>) => {
    const p = pointers.current.get(event.pointerId);
    if (!p) {
      if (event.pointerType === 'mouse') onPeek(local(event));
      return;
    }
    const box = event.currentTarget.getBoundingClientRect();
    if (pointers.current.size === 1) {
      const dx = event.clientX - p.x;
      const dy = event.clientY - p.y;
      if (!dragged.current && Math.hypot(dx, dy) < 6) return;
      dragged.current = true;
      cancelPress();
      onPeek(null);
      pan(dx, dy);
    } else if (pointers.current.size === 2) {
      const [a, b] = [...pointers.current.values()] as [Point, Point];
      const before = { d: Math.hypot(a.x - b.x, a.y - b.y), x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 };
      p.x = event.clientX;
      p.y = event.clientY;
      const after = { d: Math.hypot(a.x - b.x, a.y - b.y), x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 };
      dragged.current = true;
      pan(after.x - before.x, after.y - before.y);
      if (before.d > 0) zoom(after.d / before.d, after.x - box.left, after.y - box.top);
    }
    p.x = event.clientX;
    p.y = event.clientY;
  };

  const onPointerUp = (event: PointerEvent<HTMLCanvasElement>) => {
    cancelPress();
    const tap = pointers.current.size === 1 && !dragged.current && !pressed.current.fired;
    pointers.current.delete(event.pointerId);
    if (pressed.current.fired) setTimeout(() => onPeek(null), 1500);
    if (tap) onTap(local(event));
  };

  const onPointerCancel = (event: PointerEvent<HTMLCanvasElement>) => {
    cancelPress();
    pointers.current.delete(event.pointerId);
  };

  const onPointerLeave = (event: PointerEvent<HTMLCanvasElement>) => {
    if (event.pointerType === 'mouse') onPeek(null);
  };

  return { onPointerDown, onPointerMove, onPointerUp, onPointerCancel, onPointerLeave };
}
