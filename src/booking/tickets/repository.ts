import type { Db } from '../../platform/db.js';

export interface IssuedTicketRow {
  id: string;
  orderId: string;
  userId: string;
  performanceId: string;
  seatNo: number;
  code: string;
  voidedAt: Date | null;
  checkedInAt: Date | null;
}

const TICKET = `t.id::text, t.order_id::text AS "orderId", o.user_id::text AS "userId",
  t.performance_id::text AS "performanceId", t.seat_no AS "seatNo", t.code, t.voided_at AS "voidedAt",
  t.checked_in_at AS "checkedInAt"`;

/** Issued tickets: the codes a paid order gets, read back and checked in at the door. */
export class TicketRepository {
  constructor(private readonly db: Db) {}

  async ticketsOf(orderIds: string[]): Promise<IssuedTicketRow[]> {
    const { rows } = await this.db.query<IssuedTicketRow>(
      `SELECT ${TICKET} FROM issued_tickets t JOIN orders o ON o.id = t.order_id
       WHERE t.order_id = ANY ($1::bigint[]) ORDER BY t.order_id, t.seat_no`,
      [orderIds],
    );
    return rows;
  }

  async findTicket(id: string): Promise<IssuedTicketRow | undefined> {
    const { rows } = await this.db.query<IssuedTicketRow>(
      `SELECT ${TICKET} FROM issued_tickets t JOIN orders o ON o.id = t.order_id WHERE t.id = $1`,
      [id],
    );
    return rows[0];
  }

  /** Admits a valid code once: 'admitted', 'used' (already checked in, with when), 'void', or 'unknown'. */
  async checkIn(
    code: string,
    now: Date,
  ): Promise<{ outcome: 'admitted' | 'used' | 'void' | 'unknown'; ticket?: IssuedTicketRow }> {
    const { rows } = await this.db.query<IssuedTicketRow>(
      `WITH hit AS (UPDATE issued_tickets SET checked_in_at = $2
                    WHERE code = $1 AND checked_in_at IS NULL AND voided_at IS NULL RETURNING *)
       SELECT ${TICKET} FROM hit t JOIN orders o ON o.id = t.order_id`,
      [code, now],
    );
    if (rows[0]) return { outcome: 'admitted', ticket: rows[0] };
    const { rows: known } = await this.db.query<IssuedTicketRow>(
      `SELECT ${TICKET} FROM issued_tickets t JOIN orders o ON o.id = t.order_id WHERE t.code = $1`,
      [code],
    );
    const ticket = known[0];
    if (!ticket) return { outcome: 'unknown' };
    return { outcome: ticket.voidedAt ? 'void' : 'used', ticket };
  }
}
