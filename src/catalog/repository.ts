import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';
import { inTransaction, type Db, type DbClient } from '../platform/db.js';
import type { SeatPlan } from '../contract/layout.js';
import { TicketStatus } from '../inventory/ticket-status.js';

const { Available, Held, Sold } = TicketStatus;

export interface VenueRow {
  id: string;
  name: string;
  address: string;
  seatCount: number;
  plan: SeatPlan;
  createdAt: Date;
}

export interface PriceRow {
  grade: string;
  amount: number;
}

export interface EventRow {
  id: string;
  venueId: string;
  title: string;
  artist: string;
  category: string;
  description: string;
  imageUrl: string | null;
  currency: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface PerformanceRow {
  id: string;
  eventId: string;
  venueId: string;
  seatCount: number;
  startsAt: Date;
  salesOpenAt: Date;
  salesCloseAt: Date;
  holdTtlSeconds: number;
  maxTicketsPerUser: number;
  queueEnabled: boolean;
  prequeueMinutes: number;
  admitPerSecond: number;
  maxActive: number;
  passTtlSeconds: number;
}

export interface TicketCounts {
  available: number;
  held: number;
  sold: number;
}

export interface EventSearch {
  terms: string[];
  category?: string;
  from?: Date;
  to?: Date;
  limit: number;
  offset: number;
}

const VENUE = `id::text, name, address, seat_count AS "seatCount", layout AS plan, created_at AS "createdAt"`;
const eventColumns = (e: string) => `${e}.id::text, ${e}.venue_id::text AS "venueId", ${e}.title, ${e}.artist,
  ${e}.category, ${e}.description, ${e}.image_url AS "imageUrl", ${e}.currency,
  ${e}.created_at AS "createdAt", ${e}.updated_at AS "updatedAt"`;
const EVENT = eventColumns('events');
const PERFORMANCE = `p.id::text, p.event_id::text AS "eventId", e.venue_id::text AS "venueId", v.seat_count AS "seatCount",
  p.starts_at AS "startsAt", p.sales_open_at AS "salesOpenAt", p.sales_close_at AS "salesCloseAt",
  p.hold_ttl_seconds AS "holdTtlSeconds", p.max_tickets_per_user AS "maxTicketsPerUser",
  p.queue_enabled AS "queueEnabled", p.prequeue_minutes AS "prequeueMinutes", p.admit_per_second AS "admitPerSecond",
  p.max_active AS "maxActive", p.pass_ttl_seconds AS "passTtlSeconds"`;
const PERFORMANCE_FROM = `performances p JOIN events e ON e.id = p.event_id JOIN venues v ON v.id = e.venue_id`;

const UNIQUE_VIOLATION = '23505';

/** About 64 KiB of COPY text per piece: big enough to keep the socket busy, small enough to be nothing. */
const COPY_PIECE_CHARS = 64 * 1024;

/** The COPY text rows `performance_id TAB seat_no` of seats `from … to`, a piece at a time. */
function* ticketCopyText(performanceId: string, from: number, to: number): Generator<string> {
  let piece = '';
  for (let seat = from; seat <= to; seat++) {
    piece += `${performanceId}\t${seat}\n`;
    if (piece.length >= COPY_PIECE_CHARS) {
      yield piece;
      piece = '';
    }
  }
  if (piece.length > 0) yield piece;
}

/** `%`, `_` and `\` are LIKE's own metacharacters: a search for "50%" means the text "50%". */
export function escapeLike(term: string): string {
  return term.replace(/[\\%_]/g, (c) => `\\${c}`);
}

export class CatalogRepository {
  constructor(private readonly db: Db) {}

  /** The venue, its sections and every seat, in one transaction; the seats in one set-based statement. */
  async insertVenue(venue: { name: string; address: string; plan: SeatPlan }): Promise<VenueRow> {
    return inTransaction(this.db, async (client) => {
      const { rows } = await client.query<VenueRow>(
        `INSERT INTO venues (name, address, seat_count, layout) VALUES ($1, $2, $3, $4) RETURNING ${VENUE}`,
        [venue.name, venue.address, venue.plan.seatCount, JSON.stringify(venue.plan)],
      );
      const created = rows[0]!;
      await client.query(
        `INSERT INTO sections (venue_id, section_no, name, grade)
         SELECT $1, s.section_no, s.name, s.grade
         FROM jsonb_to_recordset($2::jsonb) AS s(section_no int, name text, grade text)`,
        [
          created.id,
          JSON.stringify(
            venue.plan.sections.map((s) => ({ section_no: s.sectionNo, name: s.name, grade: s.grade })),
          ),
        ],
      );
      const rowList = venue.plan.sections.flatMap((s) =>
        s.rows.map((r) => ({
          section_no: s.sectionNo,
          label: r.label,
          seats: r.seats,
          first: r.firstSeatNo,
          x: r.x,
          y: r.y,
        })),
      );
      await client.query(
        `INSERT INTO seats (venue_id, seat_no, section_no, row_label, number, x, y)
         SELECT $1, r.first + n - 1, r.section_no, r.label, n, r.x + n - 1, r.y
         FROM jsonb_to_recordset($2::jsonb) AS r(section_no int, label text, seats int, first int, x real, y real),
              generate_series(1, r.seats) AS n`,
        [created.id, JSON.stringify(rowList)],
      );
      return created;
    });
  }

  async findVenue(id: string): Promise<VenueRow | undefined> {
    const { rows } = await this.db.query<VenueRow>(`SELECT ${VENUE} FROM venues WHERE id = $1`, [id]);
    return rows[0];
  }

  async listVenues(limit: number, offset: number): Promise<VenueRow[]> {
    const { rows } = await this.db.query<VenueRow>(
      `SELECT ${VENUE} FROM venues ORDER BY id LIMIT $1 OFFSET $2`,
      [limit, offset],
    );
    return rows;
  }

  async insertEvent(
    client: DbClient,
    event: Omit<EventRow, 'id' | 'createdAt' | 'updatedAt'>,
    prices: PriceRow[],
  ): Promise<EventRow> {
    const { rows } = await client.query<EventRow>(
      `INSERT INTO events (venue_id, title, artist, category, description, image_url, currency)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${EVENT}`,
      [
        event.venueId,
        event.title,
        event.artist,
        event.category,
        event.description,
        event.imageUrl,
        event.currency,
      ],
    );
    const created = rows[0]!;
    await this.replacePrices(client, created.id, prices);
    return created;
  }

  async updateEvent(
    client: DbClient,
    id: string,
    patch: Partial<Omit<EventRow, 'id' | 'createdAt' | 'updatedAt' | 'currency'>>,
  ): Promise<EventRow | undefined> {
    const { rows } = await client.query<EventRow>(
      `UPDATE events SET
         venue_id = COALESCE($2, venue_id), title = COALESCE($3, title), artist = COALESCE($4, artist),
         category = COALESCE($5, category), description = COALESCE($6, description),
         image_url = CASE WHEN $7::boolean THEN $8 ELSE image_url END, updated_at = now()
       WHERE id = $1 RETURNING ${EVENT}`,
      [
        id,
        patch.venueId ?? null,
        patch.title ?? null,
        patch.artist ?? null,
        patch.category ?? null,
        patch.description ?? null,
        patch.imageUrl !== undefined,
        patch.imageUrl ?? null,
      ],
    );
    return rows[0];
  }

  async replacePrices(client: DbClient, eventId: string, prices: PriceRow[]): Promise<void> {
    await client.query('DELETE FROM event_prices WHERE event_id = $1', [eventId]);
    await client.query(
      `INSERT INTO event_prices (event_id, grade, amount)
       SELECT $1, p.grade, p.amount FROM jsonb_to_recordset($2::jsonb) AS p(grade text, amount int)`,
      [eventId, JSON.stringify(prices)],
    );
  }

  /** Locks the event row, so a concurrent performance creation cannot slip past a venue change. */
  async lockEvent(client: DbClient, id: string): Promise<EventRow | undefined> {
    const { rows } = await client.query<EventRow>(`SELECT ${EVENT} FROM events WHERE id = $1 FOR UPDATE`, [
      id,
    ]);
    return rows[0];
  }

  async findEvent(id: string): Promise<EventRow | undefined> {
    const { rows } = await this.db.query<EventRow>(`SELECT ${EVENT} FROM events WHERE id = $1`, [id]);
    return rows[0];
  }

  async pricesOf(eventIds: string[]): Promise<Map<string, PriceRow[]>> {
    const { rows } = await this.db.query<PriceRow & { eventId: string }>(
      `SELECT event_id::text AS "eventId", grade, amount FROM event_prices WHERE event_id = ANY($1::bigint[])
       ORDER BY event_id, amount DESC, grade`,
      [eventIds],
    );
    const byEvent = new Map<string, PriceRow[]>();
    for (const { eventId, grade, amount } of rows) {
      const list = byEvent.get(eventId) ?? [];
      list.push({ grade, amount });
      byEvent.set(eventId, list);
    }
    return byEvent;
  }

  async countPerformances(client: DbClient, eventId: string): Promise<number> {
    const { rows } = await client.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM performances WHERE event_id = $1',
      [eventId],
    );
    return rows[0]!.n;
  }

  /**
   * Every term must appear in the title or artist (partial words too, any script: LIKE on the
   * lower-cased text needs no tokeniser, which is what makes `아이` find `아이유`). The trigram index
   * serves the terms it can; correctness never depends on it. Ordered by id, so pages never overlap.
   */
  async searchEvents(search: EventSearch): Promise<{ events: EventRow[]; total: number }> {
    const params: unknown[] = [];
    const where: string[] = [];
    for (const term of search.terms) {
      params.push(`%${escapeLike(term.toLowerCase())}%`);
      where.push(`e.search_text LIKE $${params.length}`);
    }
    if (search.category !== undefined) {
      params.push(search.category);
      where.push(`e.category = $${params.length}`);
    }
    if (search.from !== undefined || search.to !== undefined) {
      params.push(search.from ?? null, search.to ?? null);
      where.push(`EXISTS (SELECT 1 FROM performances p WHERE p.event_id = e.id
        AND ($${params.length - 1}::timestamptz IS NULL OR p.starts_at >= $${params.length - 1})
        AND ($${params.length}::timestamptz IS NULL OR p.starts_at < $${params.length}))`);
    }
    params.push(search.limit, search.offset);
    const { rows } = await this.db.query<EventRow & { total: number }>(
      `SELECT ${eventColumns('e')}, count(*) OVER ()::int AS total
       FROM events e ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY e.id LIMIT $${params.length - 1} OFFSET $${params.length}`,
      params,
    );
    return { events: rows.map(({ total: _total, ...event }) => event), total: rows[0]?.total ?? 0 };
  }

  async insertPerformance(
    client: DbClient,
    p: Omit<PerformanceRow, 'id' | 'venueId' | 'seatCount'>,
  ): Promise<string> {
    const { rows } = await client.query<{ id: string }>(
      `INSERT INTO performances (event_id, starts_at, sales_open_at, sales_close_at, hold_ttl_seconds,
         max_tickets_per_user, queue_enabled, prequeue_minutes, admit_per_second, max_active, pass_ttl_seconds)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id::text`,
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
      ],
    );
    return rows[0]!.id;
  }

  async findPerformance(id: string): Promise<PerformanceRow | undefined> {
    const { rows } = await this.db.query<PerformanceRow>(
      `SELECT ${PERFORMANCE} FROM ${PERFORMANCE_FROM} WHERE p.id = $1`,
      [id],
    );
    return rows[0];
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

  async performancesOf(eventId: string): Promise<PerformanceRow[]> {
    const { rows } = await this.db.query<PerformanceRow>(
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
    await client.query('SAVEPOINT ticket_range');
    try {
      await pipeline(
        Readable.from(ticketCopyText(performanceId, from, to)),
        client.query(copyFrom('COPY tickets (performance_id, seat_no) FROM STDIN')),
      );
    } catch (err) {
      if ((err as { code?: string }).code !== UNIQUE_VIOLATION) throw err;
      await client.query('ROLLBACK TO SAVEPOINT ticket_range');
      await client.query(
        `INSERT INTO tickets (performance_id, seat_no) SELECT $1, g FROM generate_series($2::int, $3::int) AS g
         ON CONFLICT DO NOTHING`,
        [performanceId, from, to],
      );
    }
  }

  /** A hold whose time is up counts as available: correctness never waits for the sweeper. */
  async ticketCounts(performanceId: string): Promise<TicketCounts> {
    const { rows } = await this.db.query<TicketCounts>(
      `SELECT count(*) FILTER (WHERE status = ${Available} OR (status = ${Held} AND held_until < now()))::int AS available,
              count(*) FILTER (WHERE status = ${Held} AND held_until >= now())::int AS held,
              count(*) FILTER (WHERE status = ${Sold})::int AS sold
       FROM tickets WHERE performance_id = $1`,
      [performanceId],
    );
    return rows[0]!;
  }

  /**
   * Whether every ticket of the performance is sold (none available, none held, all generated). Stops
   * at the first unsold ticket, so it is cheap unless the sale is nearly over.
   */
  async isSoldOut(performanceId: string, seatCount: number): Promise<boolean> {
    // The count is an InitPlan, evaluated only when the first test passes (AND stops at a false).
    const { rows } = await this.db.query<{ soldOut: boolean }>(
      `SELECT NOT EXISTS (SELECT 1 FROM tickets WHERE performance_id = $1 AND status <> ${Sold})
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

  /** Deletes the performance and its tickets unless any ticket is held or sold (checked under lock). */
  async deletePerformanceIfUnsold(performanceId: string): Promise<'deleted' | 'has-sales' | 'missing'> {
    return inTransaction(this.db, async (client) => {
      const locked = await client.query('SELECT 1 FROM performances WHERE id = $1 FOR UPDATE', [
        performanceId,
      ]);
      if (locked.rowCount === 0) return 'missing';
      const sales = await client.query(
        `SELECT 1 FROM tickets WHERE performance_id = $1 AND (status = ${Sold} OR (status = ${Held} AND held_until >= now())) LIMIT 1`,
        [performanceId],
      );
      if (sales.rowCount !== 0) return 'has-sales';
      await client.query('DELETE FROM tickets WHERE performance_id = $1', [performanceId]);
      await client.query(
        `DELETE FROM jobs WHERE kind = 'tickets.generate' AND payload->>'performanceId' = $1`,
        [performanceId],
      );
      await client.query('DELETE FROM performances WHERE id = $1', [performanceId]);
      return 'deleted';
    });
  }
}
