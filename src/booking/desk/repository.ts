import type { Db } from '../../platform/db.js';
import type { OrderStatus } from '../orders/repository.js';
import type { DeskSearch } from './search.js';

export interface DeskFilter {
  search: DeskSearch | null;
  performanceId: string | null;
  status: OrderStatus | null;
  /** Only orders of these organizations' events; null for all (a platform admin). */
  organizationIds: string[] | null;
  limit: number;
  offset: number;
}

export interface DeskLineRow {
  id: string;
  status: OrderStatus;
  amount: number;
  currency: string;
  createdAt: Date;
  buyerId: string;
  buyerEmail: string;
  buyerName: string;
  performanceId: string;
  startsAt: Date;
  eventId: string;
  eventTitle: string;
  seats: { section: string; row: string; seat: string }[];
  total: string;
}

/** What the rows already written say happened to an order (its timeline's sources). */
export interface OrderHistoryRow {
  buyer: { id: string; email: string; name: string };
  payment: { status: string; createdAt: Date; updatedAt: Date; amount: number } | null;
  refunds: {
    id: string;
    by: 'buyer' | 'admin' | 'system';
    adminId: string | null;
    adminEmail: string | null;
    reason: string;
    amount: number;
    ticketIds: string[];
    createdAt: Date;
    completedAt: Date | null;
  }[];
  /** Each ticket's admission, with the steward who scanned it (null before migration 0019 recorded it). */
  checkIns: { ticketId: string; at: Date; byId: string | null; byEmail: string | null }[];
}

// Each reading of the search box finds candidate orders by its own index (the email's trigram index,
// the primary key, the code's unique index, the seat's sold tickets); the filters apply after.
const MATCHES = `
  SELECT o.id FROM users u JOIN orders o ON o.user_id = u.id WHERE u.email ILIKE $5 ESCAPE '\\'
  UNION SELECT id FROM orders WHERE id = $6::bigint
  UNION SELECT order_id FROM issued_tickets WHERE code = $7
  UNION SELECT i.order_id FROM sections sc
    JOIN seats st ON st.venue_id = sc.venue_id AND st.section_no = sc.section_no
    JOIN events e ON e.venue_id = sc.venue_id JOIN performances p ON p.event_id = e.id
    JOIN issued_tickets i ON i.performance_id = p.id AND i.seat_no = st.seat_no
    WHERE sc.name = $8 AND st.row_label = $9 AND st.number = $10`;

/** The order desk's reads: search across every order, and an order's history. */
export class DeskRepository {
  constructor(private readonly db: Db) {}

  /** A page of orders, newest first (by id, so a page never shifts under ties of time). */
  async search(f: DeskFilter): Promise<{ rows: DeskLineRow[]; total: number }> {
    const s = f.search;
    const { rows } = await this.db.query<DeskLineRow>(
      `${s ? `WITH m AS (${MATCHES})` : ''}
       SELECT o.id::text, o.status, o.amount, o.currency, o.created_at AS "createdAt",
         u.id::text AS "buyerId", u.email AS "buyerEmail", u.name AS "buyerName",
         p.id::text AS "performanceId", p.starts_at AS "startsAt", e.id::text AS "eventId", e.title AS "eventTitle",
         (SELECT coalesce(json_agg(json_build_object('section', sc.name, 'row', st.row_label,
                 'seat', CASE WHEN sc.standing THEN '' ELSE st.number::text END)
                 ORDER BY st.seat_no), '[]')
          FROM seats st JOIN sections sc ON sc.venue_id = st.venue_id AND sc.section_no = st.section_no
          WHERE st.venue_id = e.venue_id AND st.seat_no = ANY (o.seat_nos)) AS seats,
         count(*) OVER () AS total
       FROM orders o ${s ? 'JOIN m ON m.id = o.id' : ''}
         JOIN users u ON u.id = o.user_id JOIN performances p ON p.id = o.performance_id
         JOIN events e ON e.id = p.event_id
       WHERE ($1::bigint IS NULL OR o.performance_id = $1) AND ($2::text IS NULL OR o.status = $2)
         AND ($${s ? 11 : 5}::bigint[] IS NULL OR e.organization_id = ANY ($${s ? 11 : 5}))
       ORDER BY o.id DESC LIMIT $3 OFFSET $4`,
      [
        f.performanceId,
        f.status,
        f.limit,
        f.offset,
        // The search's values only when its CTE is there to use them (PostgreSQL refuses an unused one).
        ...(s
          ? [
              s.emailLike,
              s.orderId,
              s.ticketCode,
              s.seat?.section ?? null,
              s.seat?.row ?? null,
              s.seat?.seat ?? null,
            ]
          : []),
        f.organizationIds,
      ],
    );
    return { rows, total: rows[0] ? Number(rows[0].total) : await this.count(f) };
  }

  /** Past the last page the window count is not there to read: count on its own. */
  private async count(f: DeskFilter): Promise<number> {
    if (f.offset === 0) return 0;
    const page = await this.search({ ...f, offset: 0, limit: 1 });
    return page.total;
  }

  async history(orderId: string): Promise<OrderHistoryRow | undefined> {
    const { rows } = await this.db.query<OrderHistoryRow>(
      `SELECT json_build_object('id', u.id::text, 'email', u.email, 'name', u.name) AS buyer,
         (SELECT json_build_object('status', pm.status, 'createdAt', pm.created_at, 'updatedAt', pm.updated_at,
                 'amount', pm.amount) FROM payments pm WHERE pm.order_id = o.id) AS payment,
         (SELECT coalesce(json_agg(json_build_object('id', r.id::text, 'by', r.by, 'adminId', r.admin_id::text,
                 'adminEmail', a.email, 'reason', r.reason, 'amount', r.amount, 'ticketIds', r.ticket_ids::text[],
                 'createdAt', r.created_at, 'completedAt', r.completed_at) ORDER BY r.id), '[]')
          FROM refunds r LEFT JOIN users a ON a.id = r.admin_id WHERE r.order_id = o.id) AS refunds,
         (SELECT coalesce(json_agg(json_build_object('ticketId', i.id::text, 'at', i.checked_in_at,
                 'byId', i.checked_in_by::text, 'byEmail', s.email) ORDER BY i.checked_in_at), '[]')
          FROM issued_tickets i LEFT JOIN users s ON s.id = i.checked_in_by
          WHERE i.order_id = o.id AND i.checked_in_at IS NOT NULL) AS "checkIns"
       FROM orders o JOIN users u ON u.id = o.user_id WHERE o.id = $1`,
      [orderId],
    );
    const row = rows[0];
    if (!row) return undefined;
    // json_build_object gives times as text.
    const date = (v: Date | string) => new Date(v);
    return {
      buyer: row.buyer,
      payment: row.payment && {
        ...row.payment,
        createdAt: date(row.payment.createdAt),
        updatedAt: date(row.payment.updatedAt),
      },
      refunds: row.refunds.map((r) => ({
        ...r,
        createdAt: date(r.createdAt),
        completedAt: r.completedAt && date(r.completedAt),
      })),
      checkIns: row.checkIns.map((c) => ({ ...c, at: date(c.at) })),
    };
  }
}
