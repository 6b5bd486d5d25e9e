import type { WaitlistEntry } from '../../contract/waitlist.js';
import type { Db } from '../../platform/db.js';

/** An entry as stored, with its offer's hold (if it has one). */
export interface WaitlistRow {
  entryId: string;
  performanceId: string;
  grade: string | null;
  quantity: number;
  state: 'waiting' | 'offered' | 'left' | 'lapsed' | 'declined';
  position: number | null;
  waiting: number;
  joinedAt: Date;
  holdId: string | null;
  seatNos: number[] | null;
  amount: number | null;
  currency: string | null;
  expiresAt: Date | null;
  holdState: string | null;
}

const ENTRY = `e.id::text AS "entryId", e.performance_id::text AS "performanceId", e.grade, e.quantity, e.state,
  CASE WHEN e.state = 'waiting' THEN (SELECT count(*)::int FROM waitlist_entries w
    WHERE w.performance_id = e.performance_id AND w.state = 'waiting' AND w.id <= e.id) END AS position,
  (SELECT count(*)::int FROM waitlist_entries w WHERE w.performance_id = e.performance_id AND w.state = 'waiting') AS waiting,
  e.created_at AS "joinedAt", h.id::text AS "holdId", h.seat_nos AS "seatNos", h.amount, h.currency,
  h.expires_at AS "expiresAt", h.state AS "holdState"`;

/** The waiting list in PostgreSQL (migration 0022); its offers are made by tmomi_offer_seats. */
export class WaitlistRepository {
  constructor(private readonly db: Db) {}

  /**
   * Puts the buyer on the list, unless they are on it already (their live entry answers) or a seat
   * is on sale (available, or held by a hold that ran out while nobody waits: with someone waiting its
   * seats are the list's, tmomi_place_holds). Decided in one statement.
   */
  async join(e: {
    performanceId: string;
    userId: string;
    grade: string | null;
    quantity: number;
    now: Date;
  }): Promise<{ entry: WaitlistRow; created: boolean } | 'on-sale'> {
    const existing = await this.live(e.performanceId, e.userId);
    if (existing) return { entry: existing, created: false };
    const { rowCount } = await this.db.query(
      `INSERT INTO waitlist_entries (performance_id, user_id, grade, quantity, created_at)
       SELECT $1, $2, $3, $4, $5
       WHERE NOT EXISTS (SELECT 1 FROM tickets t
                         JOIN performances p ON p.id = t.performance_id
                         JOIN events ev ON ev.id = p.event_id
                         JOIN seats s ON s.venue_id = ev.venue_id AND s.seat_no = t.seat_no
                         JOIN sections sec ON sec.venue_id = s.venue_id AND sec.section_no = s.section_no
                         WHERE t.performance_id = $1
                           -- A code-only grade's free seats are not on sale to the list's buyers (0030).
                           AND sec.grade <> ALL (p.code_only_grades)
                           AND (t.status = 0 OR (t.status = 1 AND t.held_until <= $5 AND NOT EXISTS (
                             SELECT 1 FROM waitlist_entries w WHERE w.performance_id = $1 AND w.state = 'waiting'))))
       ON CONFLICT (performance_id, user_id) WHERE state IN ('waiting', 'offered') DO NOTHING`,
      [e.performanceId, e.userId, e.grade, e.quantity, e.now],
    );
    // Nothing inserted: a twin request's entry, or seats on sale.
    const entry = await this.live(e.performanceId, e.userId);
    return entry ? { entry, created: rowCount === 1 } : 'on-sale';
  }

  /** The buyer's live entry (waiting, or offered). */
  async live(performanceId: string, userId: string): Promise<WaitlistRow | undefined> {
    const { rows } = await this.db.query<WaitlistRow>(
      `SELECT ${ENTRY} FROM waitlist_entries e LEFT JOIN holds h ON h.id = e.hold_id
       WHERE e.performance_id = $1 AND e.user_id = $2 AND e.state IN ('waiting', 'offered')`,
      [performanceId, userId],
    );
    return rows[0];
  }

  /** The buyer's latest entry, whatever its state. */
  async latest(performanceId: string, userId: string): Promise<WaitlistRow | undefined> {
    const { rows } = await this.db.query<WaitlistRow>(
      `SELECT ${ENTRY} FROM waitlist_entries e LEFT JOIN holds h ON h.id = e.hold_id
       WHERE e.performance_id = $1 AND e.user_id = $2 ORDER BY e.id DESC LIMIT 1`,
      [performanceId, userId],
    );
    return rows[0];
  }

  /** A waiting entry leaves the list (an offered one is left by releasing its hold). */
  async leave(performanceId: string, userId: string): Promise<void> {
    await this.db.query(
      `UPDATE waitlist_entries SET state = 'left' WHERE performance_id = $1 AND user_id = $2 AND state = 'waiting'`,
      [performanceId, userId],
    );
  }
}

/** The client's view of an entry: an offered entry whose hold was paid for is claimed. */
export function entryView(r: WaitlistRow): WaitlistEntry {
  const claimed = r.state === 'offered' && r.holdState === 'ordered';
  const open = r.state === 'offered' && r.holdState === 'active';
  return {
    entryId: r.entryId,
    performanceId: r.performanceId,
    grade: r.grade,
    quantity: r.quantity,
    state: claimed ? 'claimed' : r.state,
    position: r.position,
    waiting: r.waiting,
    joinedAt: r.joinedAt.toISOString(),
    offer:
      open && r.holdId
        ? {
            holdId: r.holdId,
            seatNos: r.seatNos ?? [],
            amount: r.amount ?? 0,
            currency: r.currency ?? '',
            expiresAt: r.expiresAt!.toISOString(),
          }
        : null,
  };
}
