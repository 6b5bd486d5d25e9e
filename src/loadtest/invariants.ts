import { bitsetBytes, setFree } from '../contract/bitset.js';
import type { Db } from '../platform/db.js';
import { TicketStatus } from '../inventory/ticket-status.js';

const { Available: AVAILABLE, Held: HELD, Sold: SOLD, Blocked: BLOCKED } = TicketStatus;

/**
 * The booking invariants, checked in PostgreSQL after a load test. Returns what is wrong (empty when
 * all hold) rather than asserting, so a failure shows every broken invariant at once.
 */
export async function bookingViolations(db: Db, performanceId: string, now = new Date()): Promise<string[]> {
  const problems: string[] = [];
  // Each query lists what breaks an invariant; $1 is the performance, $2 (where used) the instant. Each
  // reads the performance's rows once (grouped, then joined), never once per order: with per-order
  // subqueries the planner probed all the performance's tickets for every order (56 s for 6,450 orders).
  const rows = async (label: string, sql: string) => {
    const params = sql.includes('$2') ? [performanceId, now] : [performanceId];
    const { rows: found } = await db.query(sql, params);
    if (found.length > 0)
      problems.push(
        `${label}: ${JSON.stringify(found.slice(0, 5))}${found.length > 5 ? ` … ${found.length} in all` : ''}`,
      );
  };
  await rows(
    'a seat in two paid orders',
    `SELECT s AS seat FROM orders, unnest(seat_nos) AS s
     WHERE performance_id = $1 AND status = 'paid' GROUP BY s HAVING count(*) > 1`,
  );
  await rows(
    'a seat in two live holds',
    `SELECT s AS seat FROM holds, unnest(seat_nos) AS s
     WHERE performance_id = $1 AND state = 'active' AND expires_at > $2 GROUP BY s HAVING count(*) > 1`,
  );
  await rows(
    'a paid order whose seats are not exactly its sold tickets',
    `SELECT o.id FROM orders o
       LEFT JOIN (SELECT order_id, array_agg(seat_no ORDER BY seat_no) AS seats FROM tickets
                  WHERE performance_id = $1 AND status = ${SOLD} GROUP BY order_id) t ON t.order_id = o.id
     WHERE o.performance_id = $1 AND o.status = 'paid'
       AND t.seats IS DISTINCT FROM (SELECT array_agg(s ORDER BY s) FROM unnest(o.seat_nos) AS s)`,
  );
  await rows(
    'a paid order without exactly one valid code per seat',
    `SELECT o.id FROM orders o
       LEFT JOIN (SELECT order_id, count(*) AS n FROM issued_tickets
                  WHERE performance_id = $1 AND voided_at IS NULL GROUP BY order_id) i ON i.order_id = o.id
     WHERE o.performance_id = $1 AND o.status = 'paid' AND coalesce(i.n, 0) <> cardinality(o.seat_nos)`,
  );
  await rows(
    'a sold ticket without a paid order',
    `SELECT t.seat_no FROM tickets t LEFT JOIN orders o ON o.id = t.order_id
     WHERE t.performance_id = $1 AND t.status = ${SOLD} AND (o.status IS DISTINCT FROM 'paid')`,
  );
  await rows(
    'a held ticket whose hold is not active',
    `SELECT t.seat_no FROM tickets t LEFT JOIN holds h ON h.id = t.hold_id
     WHERE t.performance_id = $1 AND t.status = ${HELD} AND t.held_until > $2 AND (h.state IS DISTINCT FROM 'active')`,
  );
  await rows(
    'a valid code for a seat that is not sold',
    `SELECT i.seat_no FROM issued_tickets i JOIN tickets t USING (performance_id, seat_no)
     WHERE i.performance_id = $1 AND i.voided_at IS NULL AND (t.status <> ${SOLD} OR t.order_id <> i.order_id)
      `,
  );
  await rows(
    'a paid order without a succeeded payment',
    `SELECT o.id FROM orders o LEFT JOIN payments p ON p.order_id = o.id
     WHERE o.performance_id = $1 AND o.status = 'paid' AND p.status IS DISTINCT FROM 'succeeded'`,
  );
  await rows(
    'a buyer over the per-buyer cap (seats in paid orders and live holds)',
    `SELECT b.user_id::text AS buyer, sum(b.n)::int AS seats, p.max_tickets_per_user AS cap
     FROM (SELECT user_id, cardinality(seat_nos) AS n FROM orders WHERE performance_id = $1 AND status = 'paid'
           UNION ALL
           SELECT user_id, cardinality(seat_nos) FROM holds
           WHERE performance_id = $1 AND state = 'active' AND expires_at > $2) b
       JOIN performances p ON p.id = $1
     GROUP BY b.user_id, p.max_tickets_per_user HAVING sum(b.n) > p.max_tickets_per_user`,
  );
  await rows(
    'a valid ticket code without a paid order',
    `SELECT i.id FROM issued_tickets i JOIN orders o ON o.id = i.order_id
     WHERE i.performance_id = $1 AND i.voided_at IS NULL AND o.status <> 'paid'`,
  );
  await rows(
    'a void ticket code no refund names, or named by two',
    `SELECT i.id, count(r.id)::int AS refunds FROM issued_tickets i
       LEFT JOIN refunds r ON r.order_id = i.order_id AND i.id = ANY (r.ticket_ids)
     WHERE i.performance_id = $1 AND i.voided_at IS NOT NULL
     GROUP BY i.id HAVING count(r.id) <> 1`,
  );
  await rows(
    "an order whose refunds give back more than its charge, or a refunded order's less",
    `SELECT o.id, o.status, o.amount, r.refunded FROM orders o
       JOIN (SELECT order_id, sum(amount)::int AS refunded FROM refunds GROUP BY order_id) r ON r.order_id = o.id
     WHERE o.performance_id = $1
       AND (r.refunded > o.amount OR (o.status = 'refunded' AND r.refunded <> o.amount))`,
  );
  await rows(
    'a refunded order without a charge refunded in full',
    `SELECT o.id FROM orders o LEFT JOIN payments p ON p.order_id = o.id
     WHERE o.performance_id = $1 AND o.status = 'refunded'
       AND (p.status IS DISTINCT FROM 'refunded' OR p.provider_ref IS NULL OR p.amount <> o.amount)`,
  );
  await waitlistViolations(rows);
  await blockedViolations(rows);
  const counts = await ticketCounts(db, performanceId, now);
  const { rows: venue } = await db.query<{ seats: number }>(
    `SELECT v.seat_count AS seats FROM performances p JOIN events e ON e.id = p.event_id JOIN venues v ON v.id = e.venue_id WHERE p.id = $1`,
    [performanceId],
  );
  if (counts.available + counts.held + counts.sold + counts.blocked !== venue[0]?.seats) {
    problems.push(
      `available + held + sold + blocked ≠ seats: ${JSON.stringify(counts)} vs ${venue[0]?.seats}`,
    );
  }
  return problems;
}

export async function ticketCounts(
  db: Db,
  performanceId: string,
  now = new Date(),
): Promise<{ available: number; held: number; sold: number; blocked: number }> {
  const { rows } = await db.query<{ available: number; held: number; sold: number; blocked: number }>(
    `SELECT count(*) FILTER (WHERE status = ${AVAILABLE} OR (status = ${HELD} AND held_until <= $2))::int AS available,
            count(*) FILTER (WHERE status = ${HELD} AND held_until > $2)::int AS held,
            count(*) FILTER (WHERE status = ${SOLD})::int AS sold,
            count(*) FILTER (WHERE status = ${BLOCKED})::int AS blocked
     FROM tickets WHERE performance_id = $1`,
    [performanceId, now],
  );
  return rows[0]!;
}

/** The seats PostgreSQL says can be taken now, as the availability bitset would have them. */
export async function availableBitset(
  db: Db,
  performanceId: string,
  seatCount: number,
  now = new Date(),
): Promise<Buffer> {
  const bits = Buffer.alloc(bitsetBytes(seatCount));
  const { rows } = await db.query<{ seat_no: number }>(
    `SELECT seat_no FROM tickets WHERE performance_id = $1 AND (status = ${AVAILABLE} OR (status = ${HELD} AND held_until <= $2))`,
    [performanceId, now],
  );
  for (const { seat_no } of rows) setFree(bits, seat_no, true);
  return bits;
}

/**
 * The waiting list's invariants (decision 028): an offer is a hold of its entry's buyer whose seats
 * are held by it (never on open sale at once), and no entry waits while seats it could be offered are
 * on open sale (within its buyer's cap; a sweep that has not run yet leaves lapsed seats held, not free;
 * a code-only grade's seats are never the list's, migration 0030).
 */
async function waitlistViolations(rows: (label: string, sql: string) => Promise<void>): Promise<void> {
  await rows(
    "a waiting list offer whose hold is not its buyer's for the performance",
    `SELECT e.id FROM waitlist_entries e LEFT JOIN holds h ON h.id = e.hold_id
     WHERE e.performance_id = $1 AND e.hold_id IS NOT NULL
       AND (h.user_id IS DISTINCT FROM e.user_id OR h.performance_id IS DISTINCT FROM e.performance_id)`,
  );
  await rows(
    'a seat both offered and on open sale (a live offer whose seat is not held by it)',
    `SELECT e.id, s AS seat FROM waitlist_entries e JOIN holds h ON h.id = e.hold_id, unnest(h.seat_nos) AS s
     WHERE e.performance_id = $1 AND e.state = 'offered' AND h.state = 'active' AND h.expires_at > $2
       AND NOT EXISTS (SELECT 1 FROM tickets t WHERE t.performance_id = $1 AND t.seat_no = s
                       AND t.status = ${HELD} AND t.hold_id = h.id)`,
  );
  await rows(
    'an entry waiting while seats it matches are on open sale',
    `SELECT e.id FROM waitlist_entries e JOIN performances p ON p.id = e.performance_id
     WHERE e.performance_id = $1 AND e.state = 'waiting' AND p.cancelled_at IS NULL AND $2 < p.sales_close_at
       AND e.quantity <= (
         SELECT count(*) FROM tickets t JOIN events ev ON ev.id = p.event_id
           JOIN seats s ON s.venue_id = ev.venue_id AND s.seat_no = t.seat_no
           JOIN sections sec ON sec.venue_id = s.venue_id AND sec.section_no = s.section_no
         WHERE t.performance_id = $1 AND t.status = ${AVAILABLE} AND (e.grade IS NULL OR sec.grade = e.grade)
           AND sec.grade <> ALL (p.code_only_grades))
       AND e.quantity
           + (SELECT coalesce(sum(cardinality(h.seat_nos)), 0) FROM holds h WHERE h.performance_id = $1
              AND h.user_id = e.user_id AND h.state = 'active' AND h.expires_at > $2)
           + (SELECT coalesce(sum(cardinality(o.seat_nos)), 0) FROM orders o WHERE o.performance_id = $1
              AND o.user_id = e.user_id AND o.status = 'paid') <= p.max_tickets_per_user`,
  );
}

/**
 * Blocked seats (decision 033): never in a live hold or a paid order, a blocked ticket carries no hold
 * or order, and a seat the venue's layout blocks is blocked at every performance.
 */
async function blockedViolations(rows: (label: string, sql: string) => Promise<void>): Promise<void> {
  await rows(
    'a blocked seat in a live hold or a paid order',
    `SELECT t.seat_no FROM tickets t
     WHERE t.performance_id = $1 AND t.status = ${BLOCKED}
       AND (t.hold_id IS NOT NULL OR t.order_id IS NOT NULL
            OR EXISTS (SELECT 1 FROM holds h WHERE h.performance_id = $1 AND h.state = 'active'
                         AND h.expires_at > $2 AND t.seat_no = ANY (h.seat_nos))
            OR EXISTS (SELECT 1 FROM orders o WHERE o.performance_id = $1 AND o.status = 'paid'
                         AND t.seat_no = ANY (o.seat_nos)))`,
  );
  await rows(
    "a seat the venue's layout blocks that is not blocked",
    `SELECT t.seat_no, t.status FROM tickets t JOIN performances p ON p.id = t.performance_id
       JOIN events e ON e.id = p.event_id JOIN seats s ON s.venue_id = e.venue_id AND s.seat_no = t.seat_no
     WHERE t.performance_id = $1 AND s.blocked AND t.status <> ${BLOCKED}`,
  );
}
