import { Type, type Static } from 'typebox';
import { WaitlistOfferSchema } from './waitlist.js';

// The waiting room's payloads. The event stream (…/queue/events) carries the same fields: `position`
// events {position, etaSeconds, etaState, seatsLeft?, seatsMayRunOut?}, `admitted` {pass, expiresAt}, and a whole view on `prequeue`,
// `paused` (the organizer paused admission; `position` again on resume), `expired`, `closed` and
// `waitlisted` (without its offer); and `offer` {offer} when the waiting list's offer in the buyer's
// hand appears, or {offer: null} when it is gone (paid, released or lapsed), in any state (decision 028).

export const QueueState = Type.Enum([
  'prequeue',
  'waiting',
  /** The organizer paused admission: the place (`position`) is kept, nobody is let in until resumed. */
  'paused',
  'admitted',
  'expired',
  'left',
  'consumed',
  'closed',
  /**
   * No live place in this room (none, or one that is over: sold out, a pass used or run out), but on
   * the performance's waiting list: the stream stays open for its offer (`offer`).
   */
  'waitlisted',
]);
export type QueueState = Static<typeof QueueState>;

export const QueueViewSchema = Type.Object({
  state: QueueState,
  position: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()]),
  etaSeconds: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]),
  etaState: Type.Optional(
    Type.Enum(['measured', 'rough', 'stalled'], {
      description:
        'while waiting: measured from the last minute of admissions and passes ending; rough before that; stalled (no etaSeconds) when nobody has been let in for a few seconds, as while buyers ahead use every pass',
    }),
  ),
  seatsLeft: Type.Optional(
    Type.Integer({
      minimum: 0,
      description: 'while waiting: seats shown available now (held ones may come back)',
    }),
  ),
  seatsMayRunOut: Type.Optional(
    Type.Boolean({ description: 'the line ahead is several times the seats left: they may run out first' }),
  ),
  pass: Type.Optional(Type.String({ description: 'send as X-Queue-Pass to the hold endpoints' })),
  expiresAt: Type.Optional(Type.String({ format: 'date-time' })),
  opensAt: Type.Optional(Type.String({ format: 'date-time' })),
  reason: Type.Optional(Type.String()),
  offer: Type.Optional(
    Type.Object(WaitlistOfferSchema.properties, {
      description:
        'the waiting list offers you these seats: a hold in your name, paid for at checkout (no pass needed) before expiresAt',
    }),
  ),
});
export type QueueView = Static<typeof QueueViewSchema>;

// The proof of work at the door (docs/decisions/030-proof-of-work-at-the-door.md): an ALTCHA v2 challenge
// (altcha-lib), SHA-256 in deterministic mode, signed by the server and bound to one performance.
const Hex = (maxLength: number) => Type.String({ pattern: '^[0-9a-f]+$', maxLength });

export const ChallengeSchema = Type.Object(
  {
    parameters: Type.Object(
      {
        algorithm: Type.String({ maxLength: 20 }),
        nonce: Hex(64),
        salt: Hex(64),
        cost: Type.Integer({ minimum: 1, maximum: 1_000 }),
        keyLength: Type.Integer({ minimum: 1, maximum: 64 }),
        keyPrefix: Hex(128),
        keySignature: Type.Optional(Hex(128)),
        expiresAt: Type.Optional(Type.Integer({ minimum: 0, description: 'epoch seconds' })),
        data: Type.Optional(
          Type.Object({ performanceId: Type.String({ maxLength: 40 }) }, { additionalProperties: false }),
        ),
      },
      { additionalProperties: false },
    ),
    signature: Hex(128),
  },
  { additionalProperties: false },
);
export type Challenge = Static<typeof ChallengeSchema>;

/** A solved challenge, as altcha-lib's solveChallenge (or the ALTCHA widget) gives it. */
export const ChallengePayload = Type.Object(
  {
    challenge: ChallengeSchema,
    solution: Type.Object(
      {
        counter: Type.Integer({ minimum: 0, maximum: 0xffff_ffff }),
        derivedKey: Hex(128),
        time: Type.Optional(
          Type.Number({ minimum: 0, description: 'how long the solve took, ms (ignored)' }),
        ),
      },
      { additionalProperties: false },
    ),
  },
  {
    additionalProperties: false,
    description: 'the solved challenge of GET …/challenge; needed while the performance asks for one',
  },
);
export type ChallengePayload = Static<typeof ChallengePayload>;

/** The body of a join (and of a lottery registration): a solved challenge, when the door asks for one. */
export const ChallengeBody = Type.Object(
  { challenge: Type.Optional(ChallengePayload) },
  { additionalProperties: false },
);
export type ChallengeBody = Static<typeof ChallengeBody>;

export const ChallengeViewSchema = Type.Object({
  required: Type.Boolean({ description: 'false: this performance asks no proof of work (join without one)' }),
  difficulty: Type.Integer({ minimum: 0, description: 'about how many hashes a solve tries (¾ on average)' }),
  challenge: Type.Optional(ChallengeSchema),
});
export type ChallengeView = Static<typeof ChallengeViewSchema>;
