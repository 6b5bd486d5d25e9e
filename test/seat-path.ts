// Reads back the venue editor's drawing (web/src/venue-editor/drawing.ts, seatCircles): each seat's
// circle starts with `M x y` at its centre. The editor's unit test and its browser test both read it.

export function centresOf(path: string): [number, number][] {
  return [...path.matchAll(/M(-?[\d.]+) (-?[\d.]+)/g)].map((m) => [Number(m[1]), Number(m[2])]);
}
