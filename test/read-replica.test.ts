import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { inject } from 'vitest';
import { modes, onSalePerformance, startTestApp, TEST_SECRET, type TestApp } from './harness.js';
import { createScratchDatabase } from './scratch-database.js';
import { createPool, migrate, type Db } from '../src/platform/db.js';
import { bulkBuyers } from '../src/loadtest/buyers.js';
import { TEST_CARDS } from '../src/booking/payments.js';

/**
 * DATABASE_READ_URL (decision 036): the catalog's public reads — the event page, search, the seat
 * layout — go to the replica, and booking never does. The "replica" here is another database whose
 * catalog rows were copied from the primary and then made to differ (the event's title), so what a
 * page shows says where it was read; every query sent to it is recorded.
 */
describe.each(modes())('catalog reads from a replica ($name)', (mode) => {
  let t: TestApp;
  let replica: Db;
  let drop: () => Promise<void>;
  const asked: string[] = [];

  beforeAll(async () => {
    const scratch = await createScratchDatabase(
      mode.databaseUrl,
      `tmomi_replica_${inject('runId')}_${mode.name}_${randomUUID().slice(0, 6)}`,
    );
    drop = scratch.drop;
    await migrate(scratch.url, pino({ level: 'silent' }));
    replica = createPool(scratch.url, { max: 4 });
    const query = replica.query.bind(replica) as (...args: unknown[]) => Promise<unknown>;
    replica.query = ((...args: unknown[]) => {
      asked.push(String(args[0]));
      return query(...args);
    }) as typeof replica.query;
    t = await startTestApp(mode, { readDb: replica });
  });
  afterAll(async () => {
    await t?.close();
    await replica?.end().catch(() => undefined);
    await drop?.();
  });

  /** The rows of one venue, its event and performances, from the primary into the replica. */
  const copyCatalog = async (venueId: string, eventId: string) => {
    const tables: [string, string, string][] = [
      ['organizations', 'true', ''],
      ['venues', 'id = $1', venueId],
      ['sections', 'venue_id = $1', venueId],
      ['seats', 'venue_id = $1', venueId],
      ['events', 'id = $1', eventId],
      ['event_prices', 'event_id = $1', eventId],
      ['performances', 'event_id = $1', eventId],
    ];
    for (const [table, where, id] of tables) {
      const { rows: columns } = await replica.query<{ name: string }>(
        `SELECT column_name AS name FROM information_schema.columns
         WHERE table_schema = 'public' AND table_name = $1 AND is_generated = 'NEVER'`,
        [table],
      );
      const list = columns.map((c) => `"${c.name}"`).join(', ');
      const { rows } = await t.db.query<{ rows: unknown }>(
        `SELECT coalesce(json_agg(r), '[]') AS rows FROM (SELECT ${list} FROM ${table} WHERE ${where}) r`,
        where.includes('$1') ? [id] : [],
      );
      await replica.query(
        `INSERT INTO ${table} (${list}) OVERRIDING SYSTEM VALUE
         SELECT ${list} FROM json_populate_recordset(null::${table}, $1) ON CONFLICT DO NOTHING`,
        [JSON.stringify(rows[0]!.rows)],
      );
    }
  };
  const get = (url: string) => t.app.inject({ method: 'GET', url });

  it('when the catalog is read, then the replica answers; a hold, checkout and refund never ask it', async () => {
    const { performanceId, eventId, venueId } = await onSalePerformance(t, { queue: { enabled: false } });
    await copyCatalog(venueId, eventId);
    const title = `Seen on the replica ${randomUUID().slice(0, 8)}`;
    await replica.query('UPDATE events SET title = $2 WHERE id = $1', [eventId, title]);
    // As an organizer's edit would: every node drops what it keeps and reads again.
    await t.catalogChanges.announce('event', eventId);
    await t.catalogChanges.announce('venue', venueId);

    asked.length = 0;
    expect((await get(`/api/events/${eventId}`)).json()).toMatchObject({ id: eventId, title });
    const found = (await get(`/api/events?q=${encodeURIComponent(title)}`)).json();
    expect(found).toMatchObject({ total: 1, events: [{ id: eventId, title }] });
    expect((await get(`/api/venues/${venueId}/seats`)).statusCode).toBe(200);
    expect(asked.some((sql) => /FROM venues/.test(sql))).toBe(true);
    expect(asked.some((sql) => /FROM events e/.test(sql))).toBe(true);

    asked.length = 0;
    const [who] = await bulkBuyers(t.db, 1, TEST_SECRET);
    const hold = await t.app.inject({
      method: 'POST',
      url: `/api/performances/${performanceId}/holds`,
      headers: who!.headers,
      payload: { seatNos: [3, 4] },
    });
    expect(hold.statusCode).toBe(201);
    const paid = await t.app.inject({
      method: 'POST',
      url: `/api/holds/${hold.json().holdId}/checkout`,
      headers: { ...who!.headers, 'idempotency-key': `pay-${hold.json().holdId}` },
      payload: { payment: { card: TEST_CARDS.succeeds } },
    });
    expect(paid.statusCode).toBe(201);
    const cancelled = await t.app.inject({
      method: 'POST',
      url: `/api/orders/${paid.json().id}/cancel`,
      headers: who!.headers,
    });
    expect(cancelled.json()).toMatchObject({ status: 'refunded' });
    expect((await get(`/api/performances/${performanceId}/availability`)).statusCode).toBe(200);
    expect(asked).toEqual([]);
    const { rows } = await replica.query<{ n: number }>('SELECT count(*)::int AS n FROM orders');
    expect(rows[0]!.n).toBe(0);
  });

  it('when the replica has not got a new event yet, or stops answering, then the page is read from the primary', async () => {
    const { eventId } = await onSalePerformance(t, { queue: { enabled: false } });
    const res = await get(`/api/events/${eventId}`);
    expect(res.statusCode).toBe(200);
    expect(asked.some((sql) => /FROM events WHERE id/.test(sql))).toBe(true);

    const other = await onSalePerformance(t, { queue: { enabled: false } });
    await replica.end();
    expect((await get(`/api/events/${other.eventId}`)).statusCode).toBe(200);
  });
});
