import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';
import type { Db, DbClient } from '../platform/db.js';
import { PERFORMANCE, PERFORMANCE_FROM } from '../inventory/repository.js';
import type { PerformanceRow } from '../inventory/performance.js';
import { TicketStatus } from '../inventory/ticket-status.js';

const UNIQUE_VIOLATION = '23505';

/** What an organizer may change while a performance is on sale (live controls). */
export type LiveSettings = Pick<
  PerformanceRow,
  | 'startsAt'
  | 'salesOpenAt'
  | 'salesCloseAt'
  | 'refundUntil'
  | 'holdTtlSeconds'
  | 'maxTicketsPerUser'
  | 'queueEnabled'
  | 'prequeueMinutes'
  | 'queueMode'
  | 'admitPerSecond'
  | 'maxActive'
  | 'passTtlSeconds'
  | 'challengeDifficulty'
  | 'queuePaused'
  | 'waitlistClaimSeconds'
>;

/** About 64 KiB of COPY text per piece: big enough to keep the socket busy, small enough to be nothing. */
const COPY_PIECE_CHARS = 64 * 1024;

/**
 * The COPY text rows `performance_id TAB seat_no TAB status` of seats `from … to`, a piece at a time:
 * available, or blocked for the seats in `blocked` (ascending: the venue's seats never for sale).
 */
function* ticketCopyText(
  performanceId: string,
  from: number,
  to: number,
  blocked: readonly number[],
): Generator<string> {
  let piece = '';
  let next = 0;
  for (let seat = from; seat <= to; seat++) {
    while (next < blocked.length && blocked[next]! < seat) next++;
    const status = blocked[next] === seat ? TicketStatus.Blocked : TicketStatus.Available;
    piece += `${performanceId}\t${seat}\t${status}\n`;
    if (piece.length >= COPY_PIECE_CHARS) {
      yield piece;
      piece = '';
    }
  }
  if (piece.length > 0) yield piece;
}

/** Performances as the catalog makes and lists them, and their tickets' generation. */
export class PerformanceRepository {
  constructor(private readonly db: Db) {}

  async insertPerformance(
    client: DbClient,
    p: Omit<PerformanceRow, 'id' | 'venueId' | 'seatCount' | 'queuePaused' | 'cancelledAt'>,
  ): Promise<string> {
    const { rows } = await client.query<{ id: string }>(
      // Its fairness record (the draw's secret seed, decision 029) is made with it, so that the seed's
      // commitment is published before anyone can register or queue.
      `WITH p AS (
         INSERT INTO performances (event_id, starts_at, sales_open_at, sales_close_at, hold_ttl_seconds,
           max_tickets_per_user, queue_enabled, prequeue_minutes, admit_per_second, max_active, pass_ttl_seconds,
           refund_until, challenge_difficulty, queue_mode)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id),
       f AS (INSERT INTO performance_fairness (performance_id) SELECT id FROM p)
       SELECT id::text FROM p`,
      [
        p.eventId,
        p.startsAt,
        p.salesOpenAt,
        p.salesCloseAt,
        p.holdTtlSeconds,
        p.maxTicketsPerUser,
        p.queueEnabled,
        p.prequeueMinutes,
        p.admitPerSecond,
        p.maxActive,
        p.passTtlSeconds,
        p.refundUntil,
        p.challengeDifficulty,
        p.queueMode,
      ],
    );
    return rows[0]!.id;
  }
  async performancesOf(eventId: string, db: Db = this.db): Promise<PerformanceRow[]> {
    const { rows } = await db.query<PerformanceRow>(
      `SELECT ${PERFORMANCE} FROM ${PERFORMANCE_FROM} WHERE p.event_id = $1 ORDER BY p.starts_at, p.id`,
      [eventId],
    );
    return rows;
  }

  /**
   * Creates the tickets of seats `from … to` (inclusive) that do not exist yet, in the database.
   * COPY is the fast path: PostgreSQL fills each heap page with many rows at once and writes one WAL
   * record a page, where `INSERT … SELECT` writes one a row (a third less WAL, 1.6–1.7× faster in
   * bench/generate). The rows are COPY text made a piece at a time as the stream asks for it, and the
   * stream asks only when PostgreSQL has taken the last piece (backpressure), so the app holds one piece
   * at most, never the range. COPY has no ON CONFLICT: only when some of the range already exists — a
   * second run, or a CLI run racing a server — is the range retried as `INSERT … SELECT … ON CONFLICT DO
   * NOTHING` (its speculative insertion costs about twice a plain insert per row). Call inside a
   * transaction.
   */
  async insertTicketRange(client: DbClient, performanceId: string, from: number, to: number): Promise<void> {
    // Written into the COPY text as it is: anything but digits could add rows or columns.
    if (!/^[1-9][0-9]*$/.test(performanceId)) throw new Error(`not a performance id: ${performanceId}`);
    // The venue's seats blocked in its layout are created blocked (an index probe: they are few).
    const { rows } = await client.query<{ blocked: number[] }>(
      `SELECT coalesce(array_agg(s.seat_no ORDER BY s.seat_no), '{}') AS blocked
       FROM performances p JOIN events e ON e.id = p.event_id
       JOIN seats s ON s.venue_id = e.venue_id AND s.blocked AND s.seat_no BETWEEN $2 AND $3
       WHERE p.id = $1`,
      [performanceId, from, to],
    );
    const blocked = rows[0]?.blocked ?? [];
    await client.query('SAVEPOINT ticket_range');
    try {
      await pipeline(
        Readable.from(ticketCopyText(performanceId, from, to, blocked)),
        client.query(copyFrom('COPY tickets (performance_id, seat_no, status) FROM STDIN')),
      );
    } catch (err) {
      if ((err as { code?: string }).code !== UNIQUE_VIOLATION) throw err;
      await client.query('ROLLBACK TO SAVEPOINT ticket_range');
      await client.query(
        `INSERT INTO tickets (performance_id, seat_no, status)
         SELECT $1, g, CASE WHEN g = ANY ($4::int[]) THEN ${TicketStatus.Blocked} ELSE ${TicketStatus.Available} END
         FROM generate_series($2::int, $3::int) AS g
         ON CONFLICT DO NOTHING`,
        [performanceId, from, to, blocked],
      );
    }
  }

  /** The performance's settings, its row locked until the transaction ends; undefined when there is none. */
  async lockSettings(client: DbClient, id: string): Promise<PerformanceRow | undefined> {
    const { rows } = await client.query<PerformanceRow>(
      `SELECT ${PERFORMANCE} FROM ${PERFORMANCE_FROM} WHERE p.id = $1 FOR UPDATE OF p`,
      [id],
    );
    return rows[0];
  }

  /** Writes the settings that may change live (the caller checked them, under the row's lock). */
  async updateSettings(client: DbClient, p: LiveSettings & { id: string }): Promise<void> {
    await client.query(
      `UPDATE performances SET sales_open_at = $2, sales_close_at = $3, refund_until = $4,
         hold_ttl_seconds = $5, max_tickets_per_user = $6, admit_per_second = $7, max_active = $8,
         pass_ttl_seconds = $9, queue_paused = $10, starts_at = $11, queue_enabled = $12,
         prequeue_minutes = $13, waitlist_claim_seconds = coalesce($14, waitlist_claim_seconds),
         challenge_difficulty = $15, queue_mode = $16
       WHERE id = $1`,
      [
        p.id,
        p.salesOpenAt,
        p.salesCloseAt,
        p.refundUntil,
        p.holdTtlSeconds,
        p.maxTicketsPerUser,
        p.admitPerSecond,
        p.maxActive,
        p.passTtlSeconds,
        p.queuePaused,
        p.startsAt,
        p.queueEnabled,
        p.prequeueMinutes,
        p.waitlistClaimSeconds ?? null,
        p.challengeDifficulty,
        p.queueMode,
      ],
    );
  }

  /**
   * Cancels the performance under its lock: when and why are kept, and its sale window ends now (one
   * that had not opened yet becomes an instant that has passed), so no hold or join is taken again.
   */
  async cancel(client: DbClient, id: string, now: Date, reason: string): Promise<void> {
    await client.query(
      `UPDATE performances SET cancelled_at = $2, cancel_reason = $3,
         sales_open_at = least(sales_open_at, $2::timestamptz - interval '1 millisecond'),
         sales_close_at = least(sales_close_at, $2::timestamptz)
       WHERE id = $1`,
      [id, now, reason],
    );
  }

  /** How many orders a cancellation must refund. */
  async paidOrders(client: DbClient, id: string): Promise<number> {
    const { rows } = await client.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM orders WHERE performance_id = $1 AND status = 'paid'`,
      [id],
    );
    return rows[0]!.n;
  }

  /** A domain event for the outbox, in the caller's transaction (the mail worker turns it into notices). */
  async publish(client: DbClient, topic: string, payload: object): Promise<void> {
    await client.query('INSERT INTO outbox (topic, payload) VALUES ($1, $2)', [
      topic,
      JSON.stringify(payload),
    ]);
  }

  /** Locks the performance row; false when there is none. */
  async lockPerformance(client: DbClient, id: string): Promise<boolean> {
    const locked = await client.query('SELECT 1 FROM performances WHERE id = $1 FOR UPDATE', [id]);
    return locked.rowCount !== 0;
  }

  /**
   * Deletes the performance, its tickets, its holds (released or expired: nobody ordered), its waiting
   * room's record (facts with no foreign key or index, decision 038: a scan, as rare as a deletion) and
   * its generation jobs; the caller has checked, under the performance's lock, that it has no sales or
   * orders.
   */
  async deletePerformance(client: DbClient, id: string): Promise<void> {
    await client.query('DELETE FROM tickets WHERE performance_id = $1', [id]);
    await client.query('DELETE FROM queue_facts WHERE performance_id = $1', [id]);
    await client.query('DELETE FROM holds WHERE performance_id = $1', [id]);
    await client.query(
      `DELETE FROM jobs WHERE kind = 'tickets.generate' AND payload->>'performanceId' = $1`,
      [id],
    );
    await client.query('DELETE FROM performances WHERE id = $1', [id]);
  }
}
