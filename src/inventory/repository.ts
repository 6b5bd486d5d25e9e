import type { QueueStats } from '../engine/waiting-room/port.js';
import type { Db, DbClient } from '../platform/db.js';
import type { SeatPlan } from '../contract/layout.js';
import type { PerformanceRow, TicketCounts } from './performance.js';
import { TicketStatus } from './ticket-status.js';

/** The engine's funnel counters, as the ticker copies them (see QueueStats). */
export type FunnelCounts = Pick<QueueStats, 'joined' | 'prequeued' | 'left' | 'passesExpired'>;

/** The durable funnel: the ticker's admission counts, and its last copy of the engine's (null: none). */
export type QueueFunnelRow = { admitted: number; abandoned: number } & {
  [K in keyof FunnelCounts]: number | null;
};

const { Available, Held, Sold, Blocked } = TicketStatus;

/** The columns of a PerformanceRow, from PERFORMANCE_FROM; the catalog lists an event's performances with them. */
export const PERFORMANCE = `p.id::text, p.event_id::text AS "eventId", e.venue_id::text AS "venueId", v.seat_count AS "seatCount",
  p.starts_at AS "startsAt", p.sales_open_at AS "salesOpenAt", p.sales_close_at AS "salesCloseAt",
  p.refund_until AS "refundUntil",  p.hold_ttl_seconds AS "holdTtlSeconds", p.max_tickets_per_user AS "maxTicketsPerUser",
  p.queue_enabled AS "queueEnabled", p.prequeue_minutes AS "prequeueMinutes", p.queue_mode AS "queueMode", p.admit_per_second AS "admitPerSecond",
  p.max_active AS "maxActive", p.pass_ttl_seconds AS "passTtlSeconds", p.queue_paused AS "queuePaused",
  p.challenge_difficulty AS "challengeDifficulty", p.cancelled_at AS "cancelledAt",
  p.code_only_grades AS "codeOnlyGrades", p.waitlist_claim_seconds AS "waitlistClaimSeconds"`;
export const PERFORMANCE_FROM = `performances p JOIN events e ON e.id = p.event_id JOIN venues v ON v.id = e.venue_id`;

/**
 * What seating is made of: the venue's plan, seat count, name and address, the event's title, prices by
 * grade and currency, and the performance's blocked seats (its layout's and its organizer's).
 */
export interface SeatingSource {
  seatCount: number;
  plan: SeatPlan;
  blocked: number[];
  venueName: string;
  venueAddress: string;
  eventTitle: string;
  currency: string;
  prices: Record<string, number> | null;
}

/** The reads a sale needs about a performance and its tickets. */
export class InventoryRepository {
  constructor(private readonly db: Db) {}

  async findPerformance(id: string): Promise<PerformanceRow | undefined> {
    const { rows } = await this.db.query<PerformanceRow>(
      `SELECT ${PERFORMANCE} FROM ${PERFORMANCE_FROM} WHERE p.id = $1`,
      [id],
    );
    return rows[0];
  }

  /** The ids of a catalog table above `after`, ascending: what KnownIds keeps in memory. */
  async catalogIdsAfter(table: 'venues' | 'events' | 'performances', after: string): Promise<string[]> {
    const { rows } = await this.db.query<{ id: string }>(
      `SELECT id FROM ${table} WHERE id > $1 ORDER BY id`,
      [after],
    );
    return rows.map((r) => r.id);
  }

  /** Performances whose waiting room is open now (from the pre-queue until sales close): the ticker's work list. */
  async activeQueues(): Promise<PerformanceRow[]> {
    const { rows } = await this.db.query<PerformanceRow>(
      `SELECT ${PERFORMANCE} FROM ${PERFORMANCE_FROM}
       WHERE p.queue_enabled AND p.sales_close_at > now()
         AND p.sales_open_at - make_interval(mins => p.prequeue_minutes) <= now()
       ORDER BY p.id`,
    );
    return rows;
  }

  /**
   * The venue's seats, the event's prices and the performance's blocked tickets, in one read; undefined
   * if the venue or the event is gone.
   */
  async seatingSource(
    p: Pick<PerformanceRow, 'id' | 'venueId' | 'eventId'>,
  ): Promise<SeatingSource | undefined> {
    const { rows } = await this.db.query<SeatingSource>(
      `SELECT v.seat_count AS "seatCount", v.layout AS plan, v.name AS "venueName", v.address AS "venueAddress",
              e.title AS "eventTitle", e.currency,
              (SELECT jsonb_object_agg(grade, amount) FROM event_prices WHERE event_id = e.id) AS prices,
              (SELECT coalesce(array_agg(seat_no), '{}') FROM tickets
               WHERE performance_id = $3 AND status = ${Blocked}) AS blocked
       FROM venues v, events e WHERE v.id = $1 AND e.id = $2`,
      [p.venueId, p.eventId, p.id],
    );
    return rows[0];
  }

  /** A hold whose time is up counts as available: correctness never waits for the sweeper. */
  async ticketCounts(performanceId: string): Promise<TicketCounts> {
    const { rows } = await this.db.query<TicketCounts>(
      `SELECT count(*) FILTER (WHERE status = ${Available} OR (status = ${Held} AND held_until < now()))::int AS available,
              count(*) FILTER (WHERE status = ${Held} AND held_until >= now())::int AS held,
              count(*) FILTER (WHERE status = ${Sold})::int AS sold,
              count(*) FILTER (WHERE status = ${Blocked})::int AS blocked
       FROM tickets WHERE performance_id = $1`,
      [performanceId],
    );
    return rows[0]!;
  }

  /**
   * Whether every ticket of the performance is sold (none available, none held but by a waiting list's
   * offer, all generated; blocked ones are never for sale). Stops at the first unsold ticket, so it is
   * cheap unless the sale is nearly over.
   */
  async isSoldOut(performanceId: string, seatCount: number): Promise<boolean> {
    // The count is an InitPlan, evaluated only when the first test passes (AND stops at a false). A seat
    // held by a waiting list's offer is gone for the room too: it goes to the next entry, or back on sale
    // (a flip, which has the room checked again) only when nobody is left waiting (decision 028).
    const { rows } = await this.db.query<{ soldOut: boolean }>(
      `SELECT NOT EXISTS (SELECT 1 FROM tickets t WHERE t.performance_id = $1 AND t.status IN (${Available}, ${Held})
            AND NOT (t.status = ${Held} AND EXISTS (SELECT 1 FROM waitlist_entries w
                                                     WHERE w.hold_id = t.hold_id AND w.state = 'offered')))
          AND (SELECT count(*) FROM tickets WHERE performance_id = $1) >= $2 AS "soldOut"`,
      [performanceId, seatCount],
    );
    return rows[0]!.soldOut;
  }

  /** The seats that can be taken now, for rebuilding the availability bitset. */
  async availableSeatNos(performanceId: string): Promise<number[]> {
    const { rows } = await this.db.query<{ seats: number[] | null }>(
      `SELECT array_agg(seat_no) AS seats FROM tickets
       WHERE performance_id = $1 AND (status = ${Available} OR (status = ${Held} AND held_until < now()))`,
      [performanceId],
    );
    return rows[0]?.seats ?? [];
  }

  /** Whether any ticket is sold or in a live hold, or anyone ordered: then the performance has buyers to answer to. */
  async hasSales(client: DbClient, performanceId: string): Promise<boolean> {
    // Any order counts, even a declined or refunded one: it is the sale's record, which support and the
    // books read, and it references the performance.
    const sales = await client.query(
      `SELECT 1 FROM tickets WHERE performance_id = $1 AND (status = ${Sold} OR (status = ${Held} AND held_until >= now()))
       UNION ALL SELECT 1 FROM orders WHERE performance_id = $1 LIMIT 1`,
      [performanceId],
    );
    return sales.rowCount !== 0;
  }

  /** Adds one admission round's outcome to the performance's durable funnel (the post-sale report's). */
  async addAdmissions(performanceId: string, admitted: number, abandoned: number): Promise<void> {
    await this.db.query(
      `INSERT INTO queue_funnel AS f (performance_id, admitted, abandoned) VALUES ($1, $2, $3)
       ON CONFLICT (performance_id) DO UPDATE
       SET admitted = f.admitted + excluded.admitted, abandoned = f.abandoned + excluded.abandoned, updated_at = now()`,
      [performanceId, admitted, abandoned],
    );
  }

  /**
   * Copies the engine's funnel counters (QueueStats) for the report. Each only grows, so the greater
   * value is kept: a copy that arrives late, or from a node that just stopped leading, never lowers one.
   */
  async keepFunnelCounts(performanceId: string, c: FunnelCounts): Promise<void> {
    await this.db.query(
      `INSERT INTO queue_funnel AS f (performance_id, joined, prequeued, left_queue, passes_expired)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (performance_id) DO UPDATE
       SET joined = GREATEST(f.joined, excluded.joined), prequeued = GREATEST(f.prequeued, excluded.prequeued),
         left_queue = GREATEST(f.left_queue, excluded.left_queue),
         passes_expired = GREATEST(f.passes_expired, excluded.passes_expired), updated_at = now()`,
      [performanceId, c.joined, c.prequeued, c.left, c.passesExpired],
    );
  }

  /** What the admission ticker recorded of the performance's queue; undefined before any admission. */
  async queueFunnel(performanceId: string): Promise<QueueFunnelRow | undefined> {
    const { rows } = await this.db.query<QueueFunnelRow>(
      `SELECT admitted::int, abandoned::int, joined::int, prequeued::int, left_queue::int AS "left",
         passes_expired::int AS "passesExpired"
       FROM queue_funnel WHERE performance_id = $1`,
      [performanceId],
    );
    return rows[0];
  }
}
