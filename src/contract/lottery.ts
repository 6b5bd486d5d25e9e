import { Type, type Static } from 'typebox';

// Lottery admission and the verifiable draw (decision 029, docs/fairness.md); a fifo room's pre-queue
// is drawn the same way at its opening (decision 031).

const Hex = (bytes: number, description: string) =>
  Type.String({ pattern: `^[0-9a-f]{${bytes * 2}}$`, description });
const Instant = Type.String({ format: 'date-time' });
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

export const RegistrationSchema = Type.Object({
  performanceId: Type.String(),
  registeredAt: Instant,
  /** When registration ends and the draw is made: the sale's opening. */
  closesAt: Instant,
});
export type RegistrationView = Static<typeof RegistrationSchema>;

export const FairnessSchema = Type.Object({
  performanceId: Type.String(),
  mode: Type.Enum(['fifo', 'lottery']),
  algorithm: Type.String({ description: 'how the order is computed from the seed (docs/fairness.md)' }),
  version: Type.Integer(),
  commitment: Hex(32, 'SHA-256 of the secret seed, published before anyone could register or queue'),
  committedAt: Instant,
  /** Lottery only: until when one may register (the sale's opening); null for fifo. */
  registrationClosesAt: Nullable(Instant),
  drawnAt: Nullable(Instant),
  /** After the draw: the seed itself (hex), so that anyone can check it against the commitment. */
  seed: Nullable(Hex(32, 'the seed, published after the draw')),
  /**
   * After the draw: the hash of everyone drawn (a lottery's registrants, a fifo room's pre-queue at the
   * opening) in drawn order, place 1 first; no user id.
   */
  entries: Nullable(Type.Array(Hex(32, 'HMAC-SHA256(seed, user id)'))),
  listHash: Nullable(Hex(32, 'SHA-256 of the entries, each followed by a newline')),
});
export type FairnessView = Static<typeof FairnessSchema>;

/**
 * `entries=false`: the record without its list (entries null), for a page that shows the values and
 * not the list, which holds 64 characters per drawn buyer (6.7 MB for 100,000).
 */
export const FairnessQuery = Type.Object({ entries: Type.Boolean({ default: true }) });

export const MyFairnessSchema = Type.Object({
  performanceId: Type.String(),
  /** The caller's user id: with the seed, it gives their hash (HMAC-SHA256(seed, userId)). */
  userId: Type.String(),
  /**
   * In the draw: registered (a lottery); in a fifo room, in its pre-queue (before the draw) or drawn
   * with it (after).
   */
  registered: Type.Boolean(),
  /** Lottery only: when one registered; null for fifo. */
  registeredAt: Nullable(Instant),
  /** After the draw: the caller's place (1 first), its hash, and how many were drawn. */
  place: Nullable(Type.Integer({ minimum: 1 })),
  hash: Nullable(Hex(32, 'HMAC-SHA256(seed, userId)')),
  of: Nullable(Type.Integer({ minimum: 0 })),
});
export type MyFairnessView = Static<typeof MyFairnessSchema>;
