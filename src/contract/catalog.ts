import { Type, type Static } from 'typebox';
import { Id, Name, Text } from './common.js';
import { Grade, VenueSchema } from './venues.js';

// The catalog's payloads: events with grade prices, performances, search, the ticket-generation job and
// the availability bitset; venues and their seat maps (in venues.ts) are re-exported with them.
export * from './venues.js';

export const Paging = Type.Object({
  page: Type.Integer({ minimum: 1, maximum: 10_000, default: 1 }),
  pageSize: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
});

const Prices = Type.Array(
  Type.Object({ grade: Grade, amount: Type.Integer({ minimum: 0, maximum: 100_000_000 }) }),
  {
    minItems: 1,
    maxItems: 50,
  },
);
const Category = Type.String({ minLength: 1, maxLength: 40, pattern: '^[\\p{L}\\p{N}_ -]+$' });
const ImageUrl = Type.String({ format: 'uri', maxLength: 2000, pattern: '^https?://' });

export const EventBody = Type.Object({
  title: Name(200),
  artist: Type.Optional(Text(200)),
  category: Category,
  description: Type.Optional(Text(10_000)),
  imageUrl: Type.Optional(ImageUrl),
  currency: Type.Optional(Type.String({ pattern: '^[A-Z]{3}$' })),
  venueId: Id,
  prices: Prices,
  /** The organization it belongs to (its venue's must be the same); as for a venue when left out. */
  organizationId: Type.Optional(Id),
});
export type EventBody = Static<typeof EventBody>;

export const EventPatch = Type.Object(
  {
    title: Type.Optional(Name(200)),
    artist: Type.Optional(Text(200)),
    category: Type.Optional(Category),
    description: Type.Optional(Text(10_000)),
    imageUrl: Type.Optional(Type.Union([ImageUrl, Type.Null()])),
    venueId: Type.Optional(Id),
    prices: Type.Optional(Prices),
  },
  { minProperties: 1 },
);
export type EventPatch = Static<typeof EventPatch>;

const Instant = Type.String({ format: 'date-time' });
/** About how many hashes a buyer's browser tries before it may join the queue (decision 030); 0: none. */
const ChallengeDifficulty = Type.Integer({
  minimum: 0,
  maximum: 5_000_000,
  description:
    'the proof of work a join must bring, about this many hashes; 0 turns it off; by default TMOMI_CHALLENGE_DIFFICULTY',
});
/** How the waiting room orders buyers (decision 029). */
const QueueMode = Type.Enum(['fifo', 'lottery'], { default: 'fifo' });

export const PerformanceBody = Type.Object({
  startsAt: Instant,
  salesOpenAt: Instant,
  salesCloseAt: Instant,
  refundUntil: Type.Optional(
    Type.String({
      format: 'date-time',
      description: 'until when buyers may cancel for a refund; by default, the start',
    }),
  ),
  holdTtlSeconds: Type.Integer({ minimum: 30, maximum: 3600, default: 300 }),
  maxTicketsPerUser: Type.Integer({ minimum: 1, maximum: 20, default: 4 }),
  queue: Type.Object(
    {
      enabled: Type.Boolean({ default: true }),
      /**
       * fifo: by arrival (the pre-queue drawn at the opening, decision 031); lottery: a draw among those
       * registered (decision 029).
       */
      mode: QueueMode,
      prequeueMinutes: Type.Integer({ minimum: 0, maximum: 1440, default: 30 }),
      admitPerSecond: Type.Integer({ minimum: 1, maximum: 10_000, default: 50 }),
      maxActive: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 500 }),
      passTtlSeconds: Type.Integer({ minimum: 60, maximum: 7200, default: 600 }),
      challengeDifficulty: Type.Optional(ChallengeDifficulty),
    },
    { default: {} },
  ),
});
export type PerformanceBody = Static<typeof PerformanceBody>;
/** What a client sends: the fields with a default may be left out (Static lists them as always there). */
export type PerformanceInput = Omit<PerformanceBody, 'holdTtlSeconds' | 'maxTicketsPerUser' | 'queue'> &
  Partial<Pick<PerformanceBody, 'holdTtlSeconds' | 'maxTicketsPerUser'>> & {
    queue?: Partial<PerformanceBody['queue']>;
  };

/**
 * Live edits of a performance (PATCH /api/admin/performances/:id): only what may change while it is on
 * sale, each within the bounds a new performance has. A window that closes now ends the sale.
 */
export const PerformancePatch = Type.Object(
  {
    /** A new start (the performance moves): every ticket holder is told, their tickets stay valid. */
    startsAt: Type.Optional(Instant),
    salesOpenAt: Type.Optional(Instant),
    salesCloseAt: Type.Optional(Instant),
    refundUntil: Type.Optional(Instant),
    holdTtlSeconds: Type.Optional(Type.Integer({ minimum: 30, maximum: 3600 })),
    maxTicketsPerUser: Type.Optional(Type.Integer({ minimum: 1, maximum: 20 })),
    /** How long a waiting list offer is held for its buyer before it passes on (decision 028; default 10). */
    waitlistClaimMinutes: Type.Optional(Type.Integer({ minimum: 1, maximum: 1440 })),
    queue: Type.Optional(
      Type.Object(
        {
          /**
           * Whether there is a waiting room, and how many minutes before the sale it opens: only until it
           * (or, without one, the sale) has opened; then 409 QUEUE_ALREADY_OPEN, unless unchanged.
           */
          enabled: Type.Optional(Type.Boolean()),
          mode: Type.Optional(Type.Enum(['fifo', 'lottery'])),
          prequeueMinutes: Type.Optional(Type.Integer({ minimum: 0, maximum: 1440 })),
          admitPerSecond: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
          maxActive: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
          passTtlSeconds: Type.Optional(Type.Integer({ minimum: 60, maximum: 7200 })),
          /** Applies to the joins (and registrations) after it, at once. */
          challengeDifficulty: Type.Optional(ChallengeDifficulty),
        },
        { minProperties: 1, additionalProperties: false },
      ),
    ),
  },
  { minProperties: 1, additionalProperties: false },
);
export type PerformancePatch = Static<typeof PerformancePatch>;

/** POST /api/admin/performances/:id/cancel: why, in words every ticket holder will read. */
export const PerformanceCancel = Type.Object({ reason: Name(500) }, { additionalProperties: false });
export type PerformanceCancel = Static<typeof PerformanceCancel>;

/** What POST …/performances answers: the performance, and the job that generates its tickets. */
export const PerformanceCreatedSchema = Type.Object({ id: Type.String(), jobId: Type.String() });
export type PerformanceCreated = Static<typeof PerformanceCreatedSchema>;

export const SaleState = Type.Enum(['scheduled', 'prequeue', 'onsale', 'soldout', 'closed', 'cancelled']);
export type SaleState = Static<typeof SaleState>;

export const PerformanceSchema = Type.Object({
  id: Type.String(),
  eventId: Type.String(),
  venueId: Type.String(),
  startsAt: Instant,
  salesOpenAt: Instant,
  salesCloseAt: Instant,
  refundUntil: Instant,
  holdTtlSeconds: Type.Integer(),
  maxTicketsPerUser: Type.Integer(),
  /** How long a waiting list offer is held for its buyer (decision 028). */
  waitlistClaimMinutes: Type.Optional(Type.Integer()),
  queue: Type.Object({
    enabled: Type.Boolean(),
    mode: Type.Enum(['fifo', 'lottery']),
    prequeueMinutes: Type.Integer(),
    admitPerSecond: Type.Integer(),
    maxActive: Type.Integer(),
    passTtlSeconds: Type.Integer(),
    challengeDifficulty: Type.Integer({ description: 'the proof of work a join must bring; 0: none' }),
    paused: Type.Boolean({ description: 'the organizer paused admission (live controls)' }),
  }),
  seatCount: Type.Integer(),
  saleState: SaleState,
  /** When an organizer cancelled it; absent while it goes ahead. */
  cancelledAt: Type.Optional(Type.String({ format: 'date-time' })),
});
export type Performance = Static<typeof PerformanceSchema>;

const Left = {
  left: Type.Integer({ description: 'free now: not held, sold or blocked' }),
  seats: Type.Integer({ description: 'for sale at the venue: its places, less those its layout blocks' }),
};

/**
 * Seats left per grade and per section (standing areas among them), counted from the live availability
 * bitset the engine keeps (no PostgreSQL read): as fresh as the bitset a node holds, a quarter second.
 */
export const SeatsLeftSchema = Type.Object({
  version: Type.Integer({ description: 'the availability version they were counted at (its ETag)' }),
  grades: Type.Array(Type.Object({ grade: Type.String(), ...Left })),
  sections: Type.Optional(
    Type.Array(
      Type.Object({
        sectionNo: Type.Integer(),
        name: Type.String(),
        grade: Type.String(),
        standing: Type.Optional(Type.Boolean({ description: 'a standing area, sold by quantity' })),
        ...Left,
      }),
    ),
  ),
});
export type SeatsLeft = Static<typeof SeatsLeftSchema>;

export const PerformanceDetailSchema = Type.Intersect([
  PerformanceSchema,
  Type.Object({
    counts: Type.Object({
      available: Type.Integer(),
      held: Type.Integer(),
      sold: Type.Integer(),
      blocked: Type.Integer({ description: 'never for sale: blocked in the layout or by the organizer' }),
    }),
    ticketsGenerated: Type.Integer(),
    seatsLeft: SeatsLeftSchema,
  }),
]);
export type PerformanceDetail = Static<typeof PerformanceDetailSchema>;

export const EventSchema = Type.Object({
  id: Type.String(),
  venueId: Type.String(),
  /** The organization that runs it (its organizers' pages list their own). */
  organizationId: Type.String(),
  title: Type.String(),
  artist: Type.String(),
  category: Type.String(),
  description: Type.String(),
  imageUrl: Type.Union([Type.String(), Type.Null()]),
  currency: Type.String(),
  prices: Type.Array(Type.Object({ grade: Type.String(), amount: Type.Integer() })),
  createdAt: Instant,
  updatedAt: Instant,
});
/** An event (`Event` would shadow the DOM's in the web app). */
export type TmEvent = Static<typeof EventSchema>;

export const EventDetailSchema = Type.Intersect([
  EventSchema,
  Type.Object({
    venue: VenueSchema,
    performances: Type.Array(
      Type.Intersect([
        PerformanceSchema,
        Type.Object({
          /** While its sale is open: what is left of each grade (the sections are on the performance's own page). */
          seatsLeft: Type.Optional(SeatsLeftSchema),
        }),
      ]),
    ),
  }),
]);
export type EventDetail = Static<typeof EventDetailSchema>;

export const SearchQuery = Type.Object({
  q: Type.Optional(Text(200)),
  category: Type.Optional(Category),
  from: Type.Optional(Instant),
  to: Type.Optional(Instant),
  page: Type.Integer({ minimum: 1, maximum: 10_000, default: 1 }),
  pageSize: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
});
export type SearchQuery = Static<typeof SearchQuery>;

export const SearchResultSchema = Type.Object({
  events: Type.Array(EventSchema),
  page: Type.Integer(),
  pageSize: Type.Integer(),
  total: Type.Integer(),
});
export type SearchResult = Static<typeof SearchResultSchema>;

export const JobSchema = Type.Object({
  id: Type.String(),
  kind: Type.String(),
  state: Type.Enum(['queued', 'running', 'done', 'failed']),
  done: Type.Integer(),
  total: Type.Integer(),
  error: Type.Union([Type.String(), Type.Null()]),
});
export type Job = Static<typeof JobSchema>;

export const AvailabilitySchema = Type.Object({
  version: Type.Integer(),
  seatCount: Type.Integer(),
  available: Type.String({
    description: 'base64 bitset: bit j (LSB first) of byte i is seat 8i+j; 1 = available',
  }),
});
export type Availability = Static<typeof AvailabilitySchema>;
