import { Type, type Static } from 'typebox';

// The waiting room's payloads. The event stream (…/queue/events) carries the same fields: `position`
// events {position, etaSeconds, etaState, seatsLeft?, seatsMayRunOut?}, `admitted` {pass, expiresAt}, and a whole view on `prequeue`,
// `paused` (the organizer paused admission; `position` again on resume), `expired` and `closed`.

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
});
export type QueueView = Static<typeof QueueViewSchema>;
