import type { Db } from '../../platform/db.js';

export interface IssuedTicketRow {
  id: string;
  orderId: string;
  userId: string;
  performanceId: string;
  seatNo: number;
  /** The labels a person reads: section name, row label, seat number (a standing place: its area only). */
  section: string;
  row: string;
  seat: string;
  standing?: boolean;
  grade: string;
  price: number;
  code: string;
  voidedAt: Date | null;
  checkedInAt: Date | null;
}

export type CheckInOutcome =
  | { outcome: 'admitted' | 'used' | 'void'; ticket: IssuedTicketRow }
  | { outcome: 'wrong-performance'; ticket: IssuedTicketRow; startsAt: Date }
  | { outcome: 'unknown' };

/**
 * A ticket row `t` with its order `o` and where it seats its holder: the venue's seat and section (an
 * event's venue never changes once it has performances, so the labels are those of the night).
 */
const TICKET = `SELECT t.id::text, t.order_id::text AS "orderId", o.user_id::text AS "userId",
    t.performance_id::text AS "performanceId", t.seat_no AS "seatNo", sc.name AS section, st.row_label AS row,
    CASE WHEN sc.standing THEN '' ELSE st.number::text END AS seat, sc.standing, sc.grade, t.price, t.code, t.voided_at AS "voidedAt", t.checked_in_at AS "checkedInAt"`;
const SEATED = `JOIN orders o ON o.id = t.order_id JOIN performances p ON p.id = t.performance_id
    JOIN events e ON e.id = p.event_id JOIN seats st ON st.venue_id = e.venue_id AND st.seat_no = t.seat_no
    JOIN sections sc ON sc.venue_id = st.venue_id AND sc.section_no = st.section_no`;

/** Issued tickets: the codes a paid order gets, read back and checked in at the door. */
export class TicketRepository {
  constructor(private readonly db: Db) {}

  async ticketsOf(orderIds: string[]): Promise<IssuedTicketRow[]> {
    const { rows } = await this.db.query<IssuedTicketRow>(
      `${TICKET} FROM issued_tickets t ${SEATED} WHERE t.order_id = ANY ($1::bigint[]) ORDER BY t.order_id, t.seat_no`,
      [orderIds],
    );
    return rows;
  }

  async findTicket(id: string): Promise<IssuedTicketRow | undefined> {
    const { rows } = await this.db.query<IssuedTicketRow>(
      `${TICKET} FROM issued_tickets t ${SEATED} WHERE t.id = $1`,
      [id],
    );
    return rows[0];
  }

  /**
   * Admits a valid code of this performance once, recording who scanned it (`stewardId`). Of two
   * doors scanning one code at once, the second update waits for the first and then finds the ticket
   * used. Otherwise says why not: used (with when), void (refunded), another performance's of the same
   * organization (with its start), or unknown. A ticket of another organization's performance is
   * unknown like a forged code: its door must not learn anything of another organization's sales.
   */
  async checkIn(code: string, performanceId: string, stewardId: string, now: Date): Promise<CheckInOutcome> {
    const { rows } = await this.db.query<IssuedTicketRow>(
      `WITH t AS (UPDATE issued_tickets SET checked_in_at = $3, checked_in_by = $4
                  WHERE code = $1 AND performance_id = $2 AND checked_in_at IS NULL AND voided_at IS NULL
                  RETURNING *)
       ${TICKET} FROM t ${SEATED}`,
      [code, performanceId, now, stewardId],
    );
    if (rows[0]) return { outcome: 'admitted', ticket: rows[0] };
    const { rows: known } = await this.db.query<IssuedTicketRow & { startsAt: Date }>(
      `${TICKET}, p.starts_at AS "startsAt" FROM issued_tickets t ${SEATED}
       WHERE t.code = $1 AND e.organization_id = (
         SELECT de.organization_id FROM performances dp JOIN events de ON de.id = dp.event_id WHERE dp.id = $2)`,
      [code, performanceId],
    );
    const ticket = known[0];
    if (!ticket) return { outcome: 'unknown' };
    if (ticket.performanceId !== performanceId)
      return { outcome: 'wrong-performance', ticket, startsAt: ticket.startsAt };
    return { outcome: ticket.voidedAt ? 'void' : 'used', ticket };
  }

  /** The door's running count: tickets of the performance checked in, of those sold (not refunded). */
  async doorCount(performanceId: string): Promise<{ checkedIn: number; sold: number }> {
    const { rows } = await this.db.query<{ checkedIn: number; sold: number }>(
      `SELECT count(*) FILTER (WHERE checked_in_at IS NOT NULL)::int AS "checkedIn", count(*)::int AS sold
       FROM issued_tickets WHERE performance_id = $1 AND voided_at IS NULL`,
      [performanceId],
    );
    return rows[0]!;
  }
}
