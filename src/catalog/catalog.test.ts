import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  adminHeaders,
  buyer,
  modes,
  onSalePerformance,
  startTestApp,
  waitForJob,
  type TestApp,
} from '../../test/harness.js';
import { TEST_CARDS } from '../booking/payments.js';
import { decodeBitset, isFree } from '../contract/bitset.js';
import { TicketStatus } from '../inventory/ticket-status.js';
import { JobRepository } from '../jobs/repository.js';
import { InventoryRepository } from '../inventory/repository.js';
import { PerformanceRepository } from './performance-repository.js';
import { GENERATION_CHUNK, ticketGeneration } from './tickets.js';

const hour = 3600_000;
const iso = (ms: number) => new Date(ms).toISOString();

describe.each(modes())('catalog ($name)', (mode) => {
  let t: TestApp;
  let admin: { authorization: string };
  beforeAll(async () => {
    t = await startTestApp(mode);
    admin = await adminHeaders(t);
  });
  afterAll(() => t.close());

  const post = (url: string, payload: object) =>
    t.app.inject({ method: 'POST', url, payload, headers: admin });
  const countWhere = async (table: string, performanceId: string) =>
    (
      await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} WHERE performance_id = $1`, [
        performanceId,
      ])
    ).rows[0]!.n;
  const count = async (table: string) =>
    (await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0]!.n;
  const venue = async (sections: object[]) => {
    const res = await post('/api/admin/venues', { name: 'Hall', address: 'Seoul', sections });
    expect(res.statusCode, res.body).toBe(201);
    return res.json<{ id: string; seatCount: number; grades: string[] }>();
  };
  const event = async (venueId: string, extra: object = {}) => {
    const res = await post('/api/admin/events', {
      title: 'IU HER Tour',
      artist: 'IU',
      category: 'concert',
      venueId,
      prices: [
        { grade: 'VIP', amount: 165000 },
        { grade: 'R', amount: 132000 },
      ],
      ...extra,
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json<{ id: string }>();
  };
  const performance = async (eventId: string, extra: object = {}) => {
    const now = Date.now();
    const res = await post(`/api/admin/events/${eventId}/performances`, {
      startsAt: iso(now + 48 * hour),
      salesOpenAt: iso(now - hour),
      salesCloseAt: iso(now + 24 * hour),
      ...extra,
    });
    expect(res.statusCode, res.body).toBe(201);
    const created = res.json<{ id: string; jobId: string }>();
    expect(await waitForJob(t, created.jobId)).toMatchObject({ state: 'done' });
    return created;
  };
  const kspo = [
    { name: 'A', grade: 'VIP', rows: 10, seatsPerRow: 20 },
    {
      name: 'B',
      grade: 'R',
      rows: [
        { label: '1', seats: 12 },
        { label: '2', seats: 14 },
      ],
    },
  ];

  it('when a venue is created from the compact layout, then seats are numbered densely in section, row, seat order', async () => {
    const v = await venue(kspo);
    expect(v.seatCount).toBe(226);
    expect(v.grades).toEqual(['VIP', 'R']);
    const { rows } = await t.db.query(
      `SELECT s.seat_no, sec.name AS section, s.row_label, s.number FROM seats s
       JOIN sections sec USING (venue_id, section_no) WHERE venue_id = $1 ORDER BY seat_no`,
      [v.id],
    );
    expect(rows.map((r) => r.seat_no)).toEqual(Array.from({ length: 226 }, (_, i) => i));
    expect(rows[0]).toMatchObject({ section: 'A', row_label: '1', number: 1 });
    expect(rows[19]).toMatchObject({ section: 'A', row_label: '1', number: 20 });
    expect(rows[20]).toMatchObject({ section: 'A', row_label: '2', number: 1 });
    expect(rows[200]).toMatchObject({ section: 'B', row_label: '1', number: 1 });
    expect(rows[212]).toMatchObject({ section: 'B', row_label: '2', number: 1 });
    expect(rows[225]).toMatchObject({ section: 'B', row_label: '2', number: 14 });

    const map = await t.app.inject({ method: 'GET', url: `/api/venues/${v.id}/seats` });
    expect(map.statusCode).toBe(200);
    const body = map.json();
    expect(body.seatCount).toBe(226);
    expect(body.sections[1].rows).toMatchObject([
      { label: '1', seats: 12, firstSeatNo: 200 },
      { label: '2', seats: 14, firstSeatNo: 212 },
    ]);
    const again = await t.app.inject({
      method: 'GET',
      url: `/api/venues/${v.id}/seats`,
      headers: { 'if-none-match': map.headers.etag as string },
    });
    expect(again.statusCode).toBe(304);
  });

  it.each([
    ['no sections', { sections: [] }, 400, 'VALIDATION_FAILED'],
    [
      'an oversized layout',
      { sections: [{ name: 'X', grade: 'R', rows: 500, seatsPerRow: 500 }] },
      422,
      'LAYOUT_TOO_LARGE',
    ],
    [
      'a negative seat count',
      { sections: [{ name: 'X', grade: 'R', rows: [{ label: '1', seats: -3 }] }] },
      400,
      'VALIDATION_FAILED',
    ],
    [
      'a fractional row count',
      { sections: [{ name: 'X', grade: 'R', rows: 2.5, seatsPerRow: 10 }] },
      400,
      'VALIDATION_FAILED',
    ],
    [
      'a row count without seatsPerRow',
      { sections: [{ name: 'X', grade: 'R', rows: 3 }] },
      422,
      'INVALID_LAYOUT',
    ],
    [
      'duplicate section names',
      {
        sections: [
          { name: 'X', grade: 'R', rows: 1, seatsPerRow: 1 },
          { name: 'x ', grade: 'S', rows: 1, seatsPerRow: 1 },
        ],
      },
      422,
      'DUPLICATE_SECTION',
    ],
  ])('when a venue has %s, then %i %s and nothing is written', async (_, layout, status, code) => {
    const [venues, seats] = [await count('venues'), await count('seats')];
    const res = await post('/api/admin/venues', { name: 'Bad', ...layout });
    expect(res.statusCode).toBe(status);
    expect(res.json().error.code).toBe(code);
    expect([await count('venues'), await count('seats')]).toEqual([venues, seats]);
  });

  it('when an event is created, then every grade has its price; a missing or unknown grade or venue is refused', async () => {
    const v = await venue(kspo);
    const e = await event(v.id);
    const read = await t.app.inject({ method: 'GET', url: `/api/events/${e.id}` });
    expect(read.json().prices).toEqual([
      { grade: 'VIP', amount: 165000 },
      { grade: 'R', amount: 132000 },
    ]);
    const events = await count('events');
    const missing = await post('/api/admin/events', {
      title: 'T',
      category: 'c',
      venueId: v.id,
      prices: [{ grade: 'VIP', amount: 1 }],
    });
    expect([missing.statusCode, missing.json().error.code]).toEqual([422, 'MISSING_GRADE_PRICE']);
    expect(missing.json().error.details.missing).toEqual(['R']);
    const unknown = await post('/api/admin/events', {
      title: 'T',
      category: 'c',
      venueId: v.id,
      prices: [
        { grade: 'VIP', amount: 1 },
        { grade: 'R', amount: 1 },
        { grade: 'Z', amount: 1 },
      ],
    });
    expect([unknown.statusCode, unknown.json().error.code]).toEqual([422, 'UNKNOWN_GRADE']);
    const noVenue = await post('/api/admin/events', {
      title: 'T',
      category: 'c',
      venueId: '999999999',
      prices: [{ grade: 'R', amount: 1 }],
    });
    expect([noVenue.statusCode, noVenue.json().error.code]).toEqual([404, 'VENUE_NOT_FOUND']);
    expect(await count('events')).toBe(events);

    const patched = await t.app.inject({
      method: 'PATCH',
      url: `/api/admin/events/${e.id}`,
      headers: admin,
      payload: {
        title: 'IU HER Tour — Seoul',
        prices: [
          { grade: 'VIP', amount: 170000 },
          { grade: 'R', amount: 132000 },
        ],
      },
    });
    expect(patched.statusCode).toBe(200);
    expect(patched.json()).toMatchObject({
      title: 'IU HER Tour — Seoul',
      prices: [
        { grade: 'VIP', amount: 170000 },
        { grade: 'R', amount: 132000 },
      ],
    });
  });

  it('when a performance is created, then its job generates exactly one ticket per seat, and running it again adds none', async () => {
    const v = await venue(kspo);
    const e = await event(v.id);
    const p = await performance(e.id);
    const job = await t.app.inject({ method: 'GET', url: `/api/admin/jobs/${p.jobId}`, headers: admin });
    expect(job.json()).toMatchObject({ state: 'done', done: 226, total: 226 });
    const tickets = async () =>
      (
        await t.db.query(
          'SELECT count(*)::int AS n, count(DISTINCT seat_no)::int AS d, max(seat_no) AS m FROM tickets WHERE performance_id = $1',
          [p.id],
        )
      ).rows[0];
    expect(await tickets()).toEqual({ n: 226, d: 226, m: 225 });

    const jobs = new JobRepository(t.db);
    const again = await jobs.create(t.db, {
      kind: 'tickets.generate',
      total: 226,
      payload: { performanceId: p.id },
    });
    expect(await t.jobs.runNow(again)).toMatchObject({ state: 'done' });
    expect(await tickets()).toEqual({ n: 226, d: 226, m: 225 });

    const detail = await t.app.inject({ method: 'GET', url: `/api/performances/${p.id}` });
    expect(detail.json()).toMatchObject({
      saleState: 'onsale',
      seatCount: 226,
      counts: { available: 226, held: 0, sold: 0 },
    });
  });

  it('when generation is interrupted after a chunk and resumed, then it continues where it stopped with no gap or duplicate', async () => {
    const v = await venue([
      { name: 'Big', grade: 'VIP', rows: 120, seatsPerRow: 500 },
      { name: 'Side', grade: 'R', rows: 1, seatsPerRow: 7 },
    ]);
    const e = await event(v.id);
    const jobs = new JobRepository(t.db);
    const generate = ticketGeneration(t.db, new PerformanceRepository(t.db), jobs);
    const performanceId = await t.db
      .query<{ id: string }>(
        `INSERT INTO performances (event_id, starts_at, sales_open_at, sales_close_at, hold_ttl_seconds, max_tickets_per_user,
           queue_enabled, prequeue_minutes, admit_per_second, max_active, pass_ttl_seconds, refund_until)
         VALUES ($1, now() + interval '2 days', now(), now() + interval '1 day', 300, 4, true, 30, 50, 500, 600,
                 now() + interval '2 days') RETURNING id::text`,
        [e.id],
      )
      .then((r) => r.rows[0]!.id);
    const jobId = await jobs.create(t.db, {
      kind: 'generate-test',
      total: v.seatCount,
      payload: { performanceId },
    });
    let chunks = 0;
    const first = await generate((await jobs.find(jobId))!, { shouldStop: () => chunks++ >= 1 });
    expect(first).toBe('stopped');
    const partial = (await jobs.find(jobId))!;
    expect(partial.done).toBe(GENERATION_CHUNK);
    expect((await new InventoryRepository(t.db).ticketCounts(performanceId)).available).toBe(
      GENERATION_CHUNK,
    );

    expect(await generate(partial, { shouldStop: () => false })).toBe('done');
    const { rows } = await t.db.query(
      'SELECT count(*)::int AS n, count(DISTINCT seat_no)::int AS d, min(seat_no) AS lo, max(seat_no) AS hi FROM tickets WHERE performance_id = $1',
      [performanceId],
    );
    expect(rows[0]).toEqual({ n: 60_007, d: 60_007, lo: 0, hi: 60_006 });
    expect((await jobs.find(jobId))!.done).toBe(60_007);
  });

  it('when two jobs generate the same performance at once, then each seat still has exactly one ticket', async () => {
    const v = await venue([
      { name: 'Race', grade: 'VIP', rows: 149, seatsPerRow: 500 },
      { name: 'Side', grade: 'R', rows: 1, seatsPerRow: 500 },
    ]);
    const e = await event(v.id);
    const p = await performance(e.id);
    // As after a crash that lost the second chunk, with a CLI run and a server both resuming it.
    await t.db.query('DELETE FROM tickets WHERE performance_id = $1 AND seat_no >= $2', [
      p.id,
      GENERATION_CHUNK,
    ]);
    const jobs = new JobRepository(t.db);
    const generate = ticketGeneration(t.db, new PerformanceRepository(t.db), jobs);
    const racers = await Promise.all(
      [0, 1].map(() =>
        jobs.create(t.db, { kind: 'generate-test', total: v.seatCount, payload: { performanceId: p.id } }),
      ),
    );
    const outcomes = await Promise.all(
      racers.map(async (id) => generate((await jobs.find(id))!, { shouldStop: () => false })),
    );
    expect(outcomes).toEqual(['done', 'done']);
    const { rows } = await t.db.query(
      'SELECT count(*)::int AS n, count(DISTINCT seat_no)::int AS d, max(seat_no) AS hi FROM tickets WHERE performance_id = $1',
      [p.id],
    );
    expect(rows[0]).toEqual({ n: 75_000, d: 75_000, hi: 74_999 });
  });

  it('when the sale window is out of order, then 422 INVALID_SALE_WINDOW and no performance is written', async () => {
    const e = await event((await venue(kspo)).id);
    const before = await count('performances');
    const now = Date.now();
    const res = await post(`/api/admin/events/${e.id}/performances`, {
      startsAt: iso(now + hour),
      salesOpenAt: iso(now + 2 * hour),
      salesCloseAt: iso(now + 3 * hour),
    });
    expect([res.statusCode, res.json().error.code]).toEqual([422, 'INVALID_SALE_WINDOW']);
    const unknown = await post(`/api/admin/events/999999999/performances`, {
      startsAt: iso(now + 3 * hour),
      salesOpenAt: iso(now),
      salesCloseAt: iso(now + hour),
    });
    expect([unknown.statusCode, unknown.json().error.code]).toEqual([404, 'EVENT_NOT_FOUND']);
    const badRate = await post(`/api/admin/events/${e.id}/performances`, {
      startsAt: iso(now + 3 * hour),
      salesOpenAt: iso(now),
      salesCloseAt: iso(now + hour),
      queue: { admitPerSecond: 0 },
    });
    expect([badRate.statusCode, badRate.json().error.details.field]).toEqual([400, 'queue.admitPerSecond']);
    expect(await count('performances')).toBe(before);
  });

  it('when a performance has held or sold tickets, then it cannot be deleted or moved to another venue', async () => {
    const v = await venue(kspo);
    const e = await event(v.id);
    const p = await performance(e.id);
    const other = await venue(kspo);
    const move = await t.app.inject({
      method: 'PATCH',
      url: `/api/admin/events/${e.id}`,
      headers: admin,
      payload: { venueId: other.id },
    });
    expect([move.statusCode, move.json().error.code]).toEqual([409, 'VENUE_LOCKED']);

    await t.db.query(
      `UPDATE tickets SET status = ${TicketStatus.Sold} WHERE performance_id = $1 AND seat_no = 5`,
      [p.id],
    );
    const del = await t.app.inject({
      method: 'DELETE',
      url: `/api/admin/performances/${p.id}`,
      headers: admin,
    });
    expect([del.statusCode, del.json().error.code]).toEqual([409, 'PERFORMANCE_HAS_SALES']);
    expect(
      (await t.db.query('SELECT count(*)::int AS n FROM tickets WHERE performance_id = $1', [p.id])).rows[0]
        .n,
    ).toBe(226);

    await t.db.query(`UPDATE tickets SET status = ${TicketStatus.Available} WHERE performance_id = $1`, [
      p.id,
    ]);
    const ok = await t.app.inject({
      method: 'DELETE',
      url: `/api/admin/performances/${p.id}`,
      headers: admin,
    });
    expect(ok.statusCode).toBe(204);
    expect(
      (await t.db.query('SELECT count(*)::int AS n FROM tickets WHERE performance_id = $1', [p.id])).rows[0]
        .n,
    ).toBe(0);
  });

  it('when a buyer held seats and let them go, then the performance can be deleted; once anyone ordered, not even a declined order, it cannot', async () => {
    const del = (id: string) =>
      t.app.inject({ method: 'DELETE', url: `/api/admin/performances/${id}`, headers: admin });
    const holdAndRelease = async (performanceId: string, who: { headers: { authorization: string } }) => {
      const hold = await t.app.inject({
        method: 'POST',
        url: `/api/performances/${performanceId}/holds`,
        headers: who.headers,
        payload: { seatNos: [3] },
      });
      expect(hold.statusCode, hold.body).toBe(201);
      return hold.json<{ holdId: string }>().holdId;
    };

    // A hold that was let go leaves a row in holds: deleting must take it along, not fail on it.
    const noQueue = { queue: { enabled: false } };
    const released = await onSalePerformance(t, noQueue);
    const b = await buyer(t);
    const holdId = await holdAndRelease(released.performanceId, b);
    const release = await t.app.inject({ method: 'DELETE', url: `/api/holds/${holdId}`, headers: b.headers });
    expect(release.statusCode, release.body).toBe(204);
    const gone = await del(released.performanceId);
    expect(gone.statusCode, gone.body).toBe(204);
    expect(await countWhere('holds', released.performanceId)).toBe(0);

    // A declined order is part of the sale's record (support reads it): the performance stays.
    const declined = await onSalePerformance(t, noQueue);
    const declinedHold = await holdAndRelease(declined.performanceId, b);
    const pay = await t.app.inject({
      method: 'POST',
      url: `/api/holds/${declinedHold}/checkout`,
      headers: { ...b.headers, 'idempotency-key': randomUUID() },
      payload: { payment: { card: TEST_CARDS.declined } },
    });
    expect(pay.statusCode, pay.body).toBe(402);
    await t.app.inject({ method: 'DELETE', url: `/api/holds/${declinedHold}`, headers: b.headers });
    const kept = await del(declined.performanceId);
    expect([kept.statusCode, kept.json().error.code]).toEqual([409, 'PERFORMANCE_HAS_SALES']);
    expect(await countWhere('tickets', declined.performanceId)).toBe(100);
  });

  it('when seats are held, sold, freed and left to expire, then the availability bitset shows exactly the free ones, also once rebuilt, with ETag/304', async () => {
    const v = await venue(kspo);
    const p = await performance((await event(v.id)).id);
    const decode = (base64: string) => {
      const bits = decodeBitset(base64);
      return Array.from({ length: v.seatCount }, (_, s) => isFree(bits, s));
    };
    // What the test made of each seat, so it knows the map to expect without asking PostgreSQL.
    type Made = 'free' | 'held' | 'expired' | 'sold';
    const made: Made[] = Array(v.seatCount).fill('free');
    const shownFree = (...free: Made[]) => made.map((m) => free.includes(m));
    const rows: Record<Made, string> = {
      free: `status = ${TicketStatus.Available}, held_until = NULL`,
      held: `status = ${TicketStatus.Held}, held_until = now() + interval '5 minutes'`,
      expired: `status = ${TicketStatus.Held}, held_until = now() - interval '1 minute'`,
      sold: `status = ${TicketStatus.Sold}, held_until = NULL`,
    };
    const write = async (seats: number[], to: Made) => {
      await t.db.query(`UPDATE tickets SET ${rows[to]} WHERE performance_id = $1 AND seat_no = ANY($2)`, [
        p.id,
        seats,
      ]);
      for (const seat of seats) made[seat] = to;
    };
    const read = (etag?: string) =>
      t.app.inject({
        method: 'GET',
        url: `/api/performances/${p.id}/availability`,
        headers: etag ? { 'if-none-match': etag } : {},
      });

    const first = await read();
    expect(first.statusCode).toBe(200);
    expect(decode(first.json().available)).toEqual(Array(v.seatCount).fill(true));

    // Flip as holds, sales and releases do: the database first, then the engine.
    let seed = 11;
    const random = (n: number) => ((seed = (seed * 48_271) % 2_147_483_647), seed % n);
    for (let round = 0; round < 30; round++) {
      const seats = Array.from({ length: 5 }, () => random(v.seatCount));
      const to = (['held', 'sold', 'free'] as const)[random(3)]!;
      await write(seats, to);
      if (to === 'free') await t.availability.markFree(p.id, seats);
      else await t.availability.markTaken(p.id, seats);
    }
    // Flips asked for in one tick go to the engine together, still in their order: a seat freed and
    // taken again ends taken, one taken and freed ends free; every caller hears of its own flip.
    const [a, b, c] = [1, 2, 3].map((i) => (i * 7) % v.seatCount) as [number, number, number];
    await write([a, c], 'held');
    await write([b], 'free');
    const versions = await Promise.all([
      t.availability.markFree(p.id, [a]),
      t.availability.markTaken(p.id, [a, c]),
      t.availability.markTaken(p.id, [b]),
      t.availability.markFree(p.id, [b]),
    ]);
    expect(versions.every((version) => typeof version === 'number')).toBe(true);
    const after = await read(first.headers.etag);
    expect(after.statusCode).toBe(200);
    expect(decode(after.json().available)).toEqual(shownFree('free'));
    expect((await read(after.headers.etag)).statusCode).toBe(304);

    // Some holds lapse. The live map shows them taken until the sweeper frees them; a rebuild reads
    // PostgreSQL, where a lapsed hold's seat can be taken at once, so it shows them free.
    const held = made.flatMap((m, seat) => (m === 'held' ? [seat] : []));
    await write(held.slice(0, Math.ceil(held.length / 2)), 'expired');
    // The map to expect has every kind of seat in it, sold ones above all: a rebuild that counted
    // them free would show it.
    for (const kind of ['free', 'held', 'expired', 'sold'] as const)
      expect(made.filter((m) => m === kind).length, kind).toBeGreaterThanOrEqual(5);

    // A cold engine (e.g. Redis wiped) rebuilds from PostgreSQL, under a version no old ETag matches.
    const cold = await startTestApp(mode);
    try {
      const rebuilt = await cold.app.inject({
        method: 'GET',
        url: `/api/performances/${p.id}/availability`,
        headers: { 'if-none-match': after.headers.etag as string },
      });
      expect(rebuilt.statusCode).toBe(200);
      expect(decode(rebuilt.json().available)).toEqual(shownFree('free', 'expired'));
    } finally {
      await cold.close();
    }
  });

  describe('search', () => {
    const category = `test${randomUUID().slice(0, 8)}`;
    const titles = [
      '아이유 콘서트 HER',
      'IU HER Tour',
      'Heroes Festival',
      '50% Off Night',
      'Jazz 🎷 Evening',
      ...Array.from({ length: 12 }, (_, i) => `Filler Show ${i}`),
    ];
    const ids = new Map<string, string>();
    let venueId = '';
    const search = (query: string) =>
      t.app.inject({ method: 'GET', url: `/api/events?category=${category}&${query}` });
    const titlesOf = (res: { json(): { events: { title: string }[] } }) =>
      res.json().events.map((e) => e.title);

    beforeAll(async () => {
      venueId = (await venue(kspo)).id;
      for (const [i, title] of titles.entries()) {
        ids.set(
          title,
          (await event(venueId, { title, artist: i === 0 ? '아이유' : i === 1 ? 'IU' : 'Various', category }))
            .id,
        );
      }
    });

    it('when searching in Korean, then a whole or partial word finds the title', async () => {
      expect(titlesOf(await search(`q=${encodeURIComponent('아이유')}`))).toEqual(['아이유 콘서트 HER']);
      expect(titlesOf(await search(`q=${encodeURIComponent('아이')}`))).toEqual(['아이유 콘서트 HER']);
      expect(titlesOf(await search(`q=${encodeURIComponent('콘서')}`))).toEqual(['아이유 콘서트 HER']);
    });

    it('when searching several English words, then every word must match, in any case', async () => {
      expect(titlesOf(await search('q=iu%20her'))).toEqual(['IU HER Tour']);
      expect(titlesOf(await search('q=HER'))).toEqual([
        '아이유 콘서트 HER',
        'IU HER Tour',
        'Heroes Festival',
      ]);
    });

    it('when the query has SQL or LIKE metacharacters or emoji, then they are matched literally', async () => {
      expect(titlesOf(await search(`q=${encodeURIComponent('50%')}`))).toEqual(['50% Off Night']);
      expect(titlesOf(await search(`q=${encodeURIComponent("'; DROP TABLE events; --")}`))).toEqual([]);
      expect(titlesOf(await search(`q=${encodeURIComponent('_')}`))).toEqual([]);
      expect(titlesOf(await search(`q=${encodeURIComponent('🎷')}`))).toEqual(['Jazz 🎷 Evening']);
      expect(await count('events')).toBeGreaterThan(0);
    });

    it('when the query is 10,000 characters long, then 400 VALIDATION_FAILED naming q', async () => {
      const res = await search(`q=${'a'.repeat(10_000)}`);
      expect([res.statusCode, res.json().error.details.field]).toEqual([400, 'q']);
    });

    it('when paging through results, then pages never overlap or skip, and a page past the end is 404 PAGE_OUT_OF_RANGE', async () => {
      const seen: string[] = [];
      for (let page = 1; page <= 4; page++) {
        const res = await search(`pageSize=5&page=${page}`);
        expect(res.json()).toMatchObject({ page, pageSize: 5, total: titles.length });
        seen.push(...titlesOf(res));
      }
      expect([...seen].sort()).toEqual([...titles].sort());
      expect(new Set(seen).size).toBe(titles.length);
      const past = await search('pageSize=5&page=5');
      expect([past.statusCode, past.json().error.code]).toEqual([404, 'PAGE_OUT_OF_RANGE']);
    });

    it('when filtering by date range, then only events with a performance starting in it are found', async () => {
      const eventId = ids.get('Heroes Festival')!;
      await performance(eventId, {
        startsAt: '2031-05-01T19:00:00+09:00',
        salesOpenAt: iso(Date.now() - hour),
        salesCloseAt: '2031-05-01T18:00:00+09:00',
      });
      expect(titlesOf(await search('from=2031-04-01T00:00:00Z&to=2031-06-01T00:00:00Z'))).toEqual([
        'Heroes Festival',
      ]);
      expect(titlesOf(await search('from=2031-06-01T00:00:00Z'))).toEqual([]);
      const other = await t.app.inject({
        method: 'GET',
        url: `/api/events?category=nothing-here-${category}`,
      });
      expect(other.json().events).toEqual([]);
    });
  });
});
