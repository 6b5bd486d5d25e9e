import type { PointerEvent, RefObject } from 'react';
import type { Left } from './counts';
import { drawPlaces } from './draw';
import type { SeatIndex } from './model';
import { fitView, toPlane, type Size, type View } from './view';

/**
 * The whole venue small, in a corner while zoomed in, with the part in view outlined: drawn in the
 * map's own frame (a few dozen shapes), and a tap on it moves the view there.
 */
export function drawMinimap(
  mini: HTMLCanvasElement,
  index: SeatIndex,
  left: Left,
  v: View,
  size: Size,
): void {
  const ctx = mini.getContext('2d');
  if (!ctx) return;
  const dpr = window.devicePixelRatio || 1;
  const own = { width: mini.clientWidth, height: mini.clientHeight };
  if (mini.width !== Math.round(own.width * dpr)) mini.width = Math.round(own.width * dpr);
  if (mini.height !== Math.round(own.height * dpr)) mini.height = Math.round(own.height * dpr);
  const small = fitView(index, own);
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.clearRect(0, 0, mini.width, mini.height);
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  drawPlaces(ctx, small, { index, left }, true);
  // The view's rectangle, from the main canvas's corners taken to the plane.
  const [x0, y0] = toPlane(v, 0, 0);
  const [x1, y1] = toPlane(v, size.width, size.height);
  ctx.strokeStyle = '#111827';
  ctx.lineWidth = 2;
  ctx.strokeRect(
    x0 * small.scale + small.tx,
    y0 * small.scale + small.ty,
    (x1 - x0) * small.scale,
    (y1 - y0) * small.scale,
  );
}

export function Minimap({
  canvasRef,
  index,
  onCentre,
}: {
  canvasRef: RefObject<HTMLCanvasElement | null>;
  index: SeatIndex;
  onCentre: (x: number, y: number) => void;
}) {
  const onPointerDown = (event: PointerEvent<HTMLCanvasElement>) => {
    const box = event.currentTarget.getBoundingClientRect();
    const small = fitView(index, { width: box.width, height: box.height });
    onCentre(...toPlane(small, event.clientX - box.left, event.clientY - box.top));
  };
  return <canvas ref={canvasRef} className="seatmap-mini" aria-hidden="true" onPointerDown={onPointerDown} />;
}
