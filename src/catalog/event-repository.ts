import type { Db, DbClient } from '../platform/db.js';

export interface PriceRow {
  grade: string;
  amount: number;
}

export interface EventRow {
  id: string;
  venueId: string;
  organizationId: string;
  title: string;
  artist: string;
  category: string;
  description: string;
  imageUrl: string | null;
  currency: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface EventSearch {
  terms: string[];
  category?: string;
  from?: Date;
  to?: Date;
  limit: number;
  offset: number;
}

const eventColumns = (e: string) => `${e}.id::text, ${e}.venue_id::text AS "venueId",
  ${e}.organization_id::text AS "organizationId", ${e}.title, ${e}.artist,
  ${e}.category, ${e}.description, ${e}.image_url AS "imageUrl", ${e}.currency,
  ${e}.created_at AS "createdAt", ${e}.updated_at AS "updatedAt"`;
const EVENT = eventColumns('events');

/** `%`, `_` and `\` are LIKE's own metacharacters: a search for "50%" means the text "50%". */
export function escapeLike(term: string): string {
  return term.replace(/[\\%_]/g, (c) => `\\${c}`);
}

export class EventRepository {
  constructor(private readonly db: Db) {}

  async insertEvent(
    client: DbClient,
    event: Omit<EventRow, 'id' | 'createdAt' | 'updatedAt'>,
    prices: PriceRow[],
  ): Promise<EventRow> {
    const { rows } = await client.query<EventRow>(
      `INSERT INTO events (venue_id, title, artist, category, description, image_url, currency, organization_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ${EVENT}`,
      [
        event.venueId,
        event.title,
        event.artist,
        event.category,
        event.description,
        event.imageUrl,
        event.currency,
        event.organizationId,
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

  async findEvent(id: string, db: Db = this.db): Promise<EventRow | undefined> {
    const { rows } = await db.query<EventRow>(`SELECT ${EVENT} FROM events WHERE id = $1`, [id]);
    return rows[0];
  }

  async pricesOf(eventIds: string[], db: Db = this.db): Promise<Map<string, PriceRow[]>> {
    const { rows } = await db.query<PriceRow & { eventId: string }>(
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

  /** Deletes the event and its prices (cascaded); the caller checked it has no performances. */
  async deleteEvent(client: DbClient, id: string): Promise<void> {
    await client.query('DELETE FROM events WHERE id = $1', [id]);
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
  async searchEvents(search: EventSearch, db: Db = this.db): Promise<{ events: EventRow[]; total: number }> {
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
    const { rows } = await db.query<EventRow & { total: number }>(
      `SELECT ${eventColumns('e')}, count(*) OVER ()::int AS total
       FROM events e ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY e.id LIMIT $${params.length - 1} OFFSET $${params.length}`,
      params,
    );
    return { events: rows.map(({ total: _total, ...event }) => event), total: rows[0]?.total ?? 0 };
  }
}
