import { Type, type Static } from 'typebox';
import { Id, Name, Text } from './common.js';

// Venues: their sections and rows as an organizer describes them, and the seat map buyers read.
// Two layouts (docs/decisions/033-venue-layout-v2.md): the compact one of DESIGN.md (sections stacked and
// centred), and version 2 (`version: 2`), where sections are placed on a plane, rows may curve, seats
// carry attributes, and standing areas, a stage and labels complete the drawing. Lengths are in seat
// widths: a seat is one unit wide and rows are one unit apart; x grows to the right, y downwards.

export const Grade = Type.String({ minLength: 1, maxLength: 20, pattern: '^[\\p{L}\\p{N}_+-]+$' });
const SeatsInRow = Type.Integer({ minimum: 1, maximum: 500 });
/** How far across the venue's plane a thing may be placed, either way from the origin. */
export const MAX_COORDINATE = 10_000;
const Coordinate = (description: string) =>
  Type.Number({ minimum: -MAX_COORDINATE, maximum: MAX_COORDINATE, description });
const Rotation = Type.Number({
  minimum: -360,
  maximum: 360,
  description: 'degrees clockwise (y grows downwards), about the point placed at x, y',
});
const Extent = (description: string) =>
  Type.Number({ minimum: 0.5, maximum: 2 * MAX_COORDINATE, description });
const SeatNumbers = (description: string) =>
  Type.Array(Type.Integer({ minimum: 1, maximum: 500 }), { maxItems: 500, description });

/** A row given explicitly; every field but label and seats is version 2's. */
const RowInput = Type.Object({
  label: Name(10),
  seats: SeatsInRow,
  gaps: Type.Optional(SeatNumbers('an aisle gap, one seat wide, after each of these seat numbers')),
  offset: Type.Optional(
    Type.Number({
      minimum: -500,
      maximum: 500,
      description: 'seat widths to shift the row along itself from centred (+ to the right)',
    }),
  ),
  accessible: Type.Optional(SeatNumbers('wheelchair places')),
  companion: Type.Optional(SeatNumbers("seats for a wheelchair user's companion")),
  blocked: Type.Optional(SeatNumbers('never for sale at any performance (camera positions, the desk)')),
});

const Curve = Type.Object({
  radius: Type.Optional(
    Type.Number({
      minimum: 1,
      maximum: 100_000,
      description: 'of the front row; each row behind is one more',
    }),
  ),
  angle: Type.Optional(
    Type.Number({
      exclusiveMinimum: 0,
      maximum: 360,
      description: 'or: the degrees the front row spans (its radius follows)',
    }),
  ),
});

const SectionInput = Type.Object({
  name: Name(50),
  grade: Grade,
  rows: Type.Union([
    Type.Integer({ minimum: 1, maximum: 500 }),
    Type.Array(RowInput, { minItems: 1, maxItems: 500 }),
  ]),
  seatsPerRow: Type.Optional(SeatsInRow),
  x: Type.Optional(Coordinate('version 2 (required there): the middle of the front row')),
  y: Type.Optional(Coordinate('version 2 (required there): the middle of the front row')),
  rotation: Type.Optional(Rotation),
  curve: Type.Optional(Curve),
  aisles: Type.Optional(
    SeatNumbers('an aisle gap after each of these seat numbers, in every row long enough'),
  ),
});

/** A standing area (version 2): sold by quantity, each place an inventory unit numbered after the seats. */
export const StandingAreaInput = Type.Object({
  name: Name(50),
  grade: Grade,
  capacity: Type.Integer({ minimum: 1, maximum: 100_000 }),
  x: Coordinate('the middle of the area'),
  y: Coordinate('the middle of the area'),
  width: Extent('across, in seat widths'),
  height: Extent('deep, in seat widths'),
  rotation: Type.Optional(Rotation),
});

const StageInput = Type.Object({
  x: Coordinate('the middle of the stage'),
  y: Coordinate('the middle of the stage'),
  width: Extent('across'),
  height: Extent('deep'),
  rotation: Type.Optional(Rotation),
  shape: Type.Optional(Type.Enum(['rect', 'ellipse'], { default: 'rect' })),
  label: Type.Optional(Name(50)),
});

const LabelInput = Type.Object({
  text: Name(100),
  x: Coordinate('where the text is centred'),
  y: Coordinate('where the text is centred'),
  rotation: Type.Optional(Rotation),
  size: Type.Optional(Type.Number({ minimum: 0.5, maximum: 100, description: 'text height in seat widths' })),
});

/** The parts of a venue that make its seats: all of them are replaced together. */
const LayoutFields = {
  /** 2: the layout placed on a plane; absent: the compact layout of DESIGN.md. */
  version: Type.Optional(Type.Literal(2)),
  sections: Type.Array(SectionInput, { maxItems: 200 }),
  standing: Type.Optional(Type.Array(StandingAreaInput, { maxItems: 50 })),
  stage: Type.Optional(StageInput),
  labels: Type.Optional(Type.Array(LabelInput, { maxItems: 200 })),
};

/** The largest venue body the API reads (the layout routes' own body limit): 413 PAYLOAD_TOO_LARGE above. */
export const MAX_LAYOUT_BYTES = 2 * 1024 * 1024;

export const VenueBody = Type.Object({
  name: Name(200),
  address: Type.Optional(Text(500)),
  ...LayoutFields,
  /** The organization it belongs to; the caller's only one when left out (a platform admin's: the default). */
  organizationId: Type.Optional(Id),
});
export type VenueBody = Static<typeof VenueBody>;

export const VenueSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  address: Type.String(),
  seatCount: Type.Integer(),
  grades: Type.Array(Type.String()),
  /** The organization whose venue it is (its events must be of the same one). */
  organizationId: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
});
export type Venue = Static<typeof VenueSchema>;

/**
 * A venue's edit: its name and address any time; its layout (sections and, in version 2, standing
 * areas, stage and labels, given whole) only while no event uses it.
 */
export const VenuePatch = Type.Object(
  {
    name: Type.Optional(Name(200)),
    address: Type.Optional(Text(500)),
    version: LayoutFields.version,
    sections: Type.Optional(LayoutFields.sections),
    standing: LayoutFields.standing,
    stage: LayoutFields.stage,
    labels: LayoutFields.labels,
  },
  { minProperties: 1, additionalProperties: false },
);
export type VenuePatch = Static<typeof VenuePatch>;

export * from './seat-map.js';
