import { Type, type Static } from 'typebox';
import { Id, Name, Text } from './common.js';

// Venues: their sections and rows as an organizer describes them, and the seat map buyers read.

export const Grade = Type.String({ minLength: 1, maxLength: 20, pattern: '^[\\p{L}\\p{N}_+-]+$' });
const SeatsInRow = Type.Integer({ minimum: 1, maximum: 500 });

export const VenueBody = Type.Object({
  name: Name(200),
  address: Type.Optional(Text(500)),
  sections: Type.Array(
    Type.Object({
      name: Name(50),
      grade: Grade,
      rows: Type.Union([
        Type.Integer({ minimum: 1, maximum: 500 }),
        Type.Array(Type.Object({ label: Name(10), seats: SeatsInRow }), { minItems: 1, maxItems: 500 }),
      ]),
      seatsPerRow: Type.Optional(SeatsInRow),
    }),
    { minItems: 1, maxItems: 200 },
  ),
  /** The organization it belongs to; the caller's only one when left out (a platform admin's: the default). */
  organizationId: Type.Optional(Id),
});
export type VenueBody = Static<typeof VenueBody>;

export const SeatMapSchema = Type.Object({
  venueId: Type.String(),
  name: Type.String(),
  seatCount: Type.Integer(),
  sections: Type.Array(
    Type.Object({
      sectionNo: Type.Integer(),
      name: Type.String(),
      grade: Type.String(),
      rows: Type.Array(
        Type.Object({
          label: Type.String(),
          seats: Type.Integer(),
          firstSeatNo: Type.Integer(),
          x: Type.Number(),
          y: Type.Number(),
        }),
      ),
    }),
  ),
});
export type SeatMap = Static<typeof SeatMapSchema>;

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

/** A venue's edit: its name and address any time; its sections only while no event uses it. */
export const VenuePatch = Type.Object(
  {
    name: Type.Optional(Name(200)),
    address: Type.Optional(Text(500)),
    sections: Type.Optional(VenueBody.properties.sections),
  },
  { minProperties: 1, additionalProperties: false },
);
export type VenuePatch = Static<typeof VenuePatch>;
