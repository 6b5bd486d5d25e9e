import { Type, type Static } from 'typebox';

// What GET /api/venues/:id/seats answers: the geometry, not the seats. Each row is a run of seat numbers
// (firstSeatNo …), and in version 2 its section's placement, so a client computes every seat's position
// itself with the planner's own function (src/contract/geometry.ts, `seatPositions`): a 100,000-seat
// stadium is some 3,000 rows, not 100,000 points (decision 033 has the figures).

const SeatNumbers = (description: string) => Type.Optional(Type.Array(Type.Integer(), { description }));

export const SeatMapRowSchema = Type.Object({
  label: Type.String(),
  seats: Type.Integer(),
  firstSeatNo: Type.Integer(),
  x: Type.Number({
    description:
      "where the compact drawing puts the row's first seat (its left edge; seat i at x + i); in version 2 a plain stacked drawing for clients that do not place sections",
  }),
  y: Type.Number({ description: "the compact drawing's row line (its top edge)" }),
  gaps: SeatNumbers('version 2: an aisle gap, one seat wide, after each of these seat numbers'),
  offset: Type.Optional(
    Type.Number({ description: 'version 2: seat widths the row is shifted from centred' }),
  ),
  accessible: SeatNumbers('seat numbers (1 = the first of the row) of wheelchair places'),
  companion: SeatNumbers("seat numbers of companions' seats"),
  blocked: SeatNumbers('seat numbers never for sale (blocked in the layout)'),
});

export const SeatMapSectionSchema = Type.Object({
  sectionNo: Type.Integer(),
  name: Type.String(),
  grade: Type.String(),
  rows: Type.Array(SeatMapRowSchema),
  x: Type.Optional(Type.Number({ description: 'version 2: the middle of the front row' })),
  y: Type.Optional(Type.Number()),
  rotation: Type.Optional(Type.Number({ description: 'degrees clockwise about (x, y)' })),
  curve: Type.Optional(
    Type.Object({ radius: Type.Number({ description: "the front row's; each row behind is one more" }) }),
  ),
  aisles: SeatNumbers('an aisle gap after each of these seat numbers, in every row long enough'),
});

export const SeatMapAreaSchema = Type.Object({
  sectionNo: Type.Integer(),
  name: Type.String(),
  grade: Type.String(),
  capacity: Type.Integer(),
  firstSeatNo: Type.Integer({
    description: 'its places are seat numbers firstSeatNo … firstSeatNo + capacity − 1',
  }),
  x: Type.Number({ description: 'the middle of the area' }),
  y: Type.Number(),
  width: Type.Number(),
  height: Type.Number(),
  rotation: Type.Number(),
});

export const StageSchema = Type.Object({
  x: Type.Number(),
  y: Type.Number(),
  width: Type.Number(),
  height: Type.Number(),
  rotation: Type.Number(),
  shape: Type.Enum(['rect', 'ellipse']),
  label: Type.String(),
});

export const LabelSchema = Type.Object({
  text: Type.String(),
  x: Type.Number(),
  y: Type.Number(),
  rotation: Type.Number(),
  size: Type.Number(),
});

export const SeatMapSchema = Type.Object({
  venueId: Type.String(),
  name: Type.String(),
  seatCount: Type.Integer(),
  /** 2 for a layout placed on a plane; absent for the compact layout. */
  version: Type.Optional(Type.Literal(2)),
  sections: Type.Array(SeatMapSectionSchema),
  standing: Type.Optional(Type.Array(SeatMapAreaSchema)),
  stage: Type.Optional(StageSchema),
  labels: Type.Optional(Type.Array(LabelSchema)),
  bounds: Type.Optional(
    Type.Object(
      { x: Type.Number(), y: Type.Number(), width: Type.Number(), height: Type.Number() },
      { description: 'version 2: the rectangle everything drawn lies in (seats, areas, stage, labels)' },
    ),
  ),
});
export type SeatMap = Static<typeof SeatMapSchema>;
