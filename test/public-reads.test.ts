import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  adminHeaders,
  buyer,
  METRICS_AUTH,
  modes,
  onSalePerformance,
  startTestApp,
  type TestApp,
} from './harness.js';

/**
 * Issue 17: the public reads come from each node's memory, are revalidated with strong ETags, may be
 * kept by a CDN, and an organizer's change reaches every node at once — two nodes on one database and
 * one engine, as in production.
 */
describe.each(modes())('public reads ($name)', (mode) => {
  let a: TestApp;
  let b: TestApp;
  let admin: { authorization: string };
  beforeAll(async () => {
    a = await startTestApp(mode);
    b = await startTestApp(mode, { sharedEngine: a.engine });
    admin = await adminHeaders(a);
    for (const t of [a, b]) {
      bases.set(t, await t.app.listen({ port: 0, host: '127.0.0.1' }));
      countMemoryReplies(t);
    }
  });
  afterAll(async () => {
    await b.close();
    await a.close();
  });

  const bases = new Map<TestApp, string>();
  /** Over real HTTP: a repeated read may be answered by the node's memory replies, before routing. */
  const get = async (t: TestApp, url: string, headers: Record<string, string> = {}) => {
    const res = await fetch(`${bases.get(t)!}${url}`, { headers });
    const body = await res.text();
    return {
      statusCode: res.status,
      headers: Object.fromEntries(res.headers) as Record<string, string | undefined>,
      body,
      json: () => JSON.parse(body),
    };
  };
  /** `tmomi_http_requests_total` of a GET route on node A, for 200 and 304. */
  const requestsCounted = async (route: string) => {
    const text = (await a.app.inject({ method: 'GET', url: '/metrics', headers: METRICS_AUTH })).body;
    const count = (status: number) =>
      Number(
        text
          .split('\n')
          .find((l) =>
            l.startsWith(`tmomi_http_requests_total{method="GET",route="${route}",status_code="${status}"}`),
          )
          ?.split(' ')[1] ?? 0,
      );
    return { 200: count(200), 304: count(304) };
  };
  /** How many requests each node's memory replies answered (the rest went through Fastify). */
  const fromMemory = new Map<TestApp, number>();
  const countMemoryReplies = (t: TestApp) => {
    const replies = t.app.memoryReplies;
    const answer = replies.answer.bind(replies);
    replies.answer = (req, res) => {
      const answered = answer(req, res);
      if (answered) fromMemory.set(t, (fromMemory.get(t) ?? 0) + 1);
      return answered;
    };
  };

  it('when an organizer edits an event or adds a performance on one node, then the other node’s cached reads show it within a second', async () => {
    const { eventId, venueId, performanceId } = await onSalePerformance(a);
    // Node B has the event page, the performance and the search in memory; so has node A.
    expect((await get(b, `/api/events/${eventId}`)).json().title).toBe('Test Show');
    for (let i = 0; i < 2; i++)
      expect((await get(a, `/api/events/${eventId}`)).json().title).toBe('Test Show');
    expect((await get(b, `/api/performances/${performanceId}`)).statusCode).toBe(200);
    expect((await get(b, '/api/events?q=renamed')).json().total).toBe(0);

    const edit = await a.app.inject({
      method: 'PATCH',
      url: `/api/admin/events/${eventId}`,
      headers: admin,
      payload: { title: 'Renamed Show' },
    });
    expect(edit.statusCode, edit.body).toBe(200);
    // The node that made the change drops what it had at once.
    expect((await get(a, `/api/events/${eventId}`)).json().title).toBe('Renamed Show');
    const now = Date.now();
    const added = await a.app.inject({
      method: 'POST',
      url: `/api/admin/events/${eventId}/performances`,
      headers: admin,
      payload: {
        startsAt: new Date(now + 72 * 3600_000).toISOString(),
        salesOpenAt: new Date(now + 3600_000).toISOString(),
        salesCloseAt: new Date(now + 48 * 3600_000).toISOString(),
      },
    });
    expect(added.statusCode, added.body).toBe(201);
    const second = added.json<{ id: string }>().id;

    await expect
      .poll(
        async () => {
          const page = (await get(b, `/api/events/${eventId}`)).json();
          return [
            page.title,
            page.performances.length,
            (await get(b, `/api/performances/${second}`)).statusCode,
          ];
        },
        { timeout: 1_000, interval: 50 },
      )
      .toEqual(['Renamed Show', 2, 200]);
    expect((await get(b, '/api/events?q=renamed')).json().total).toBe(1);
    expect((await get(b, `/api/venues/${venueId}/seats`)).statusCode).toBe(200);

    // A deletion too: the node that had the performance in memory answers 404 within a second.
    const del = await a.app.inject({
      method: 'DELETE',
      url: `/api/admin/performances/${second}`,
      headers: admin,
    });
    expect(del.statusCode, del.body).toBe(204);
    await expect
      .poll(async () => (await get(b, `/api/performances/${second}`)).statusCode, {
        timeout: 1_000,
        interval: 50,
      })
      .toBe(404);
  });

  it('when a public read is asked again with its ETag, then it is 304 with no body, from either node, and every read may be kept by a CDN', async () => {
    const { eventId, venueId, performanceId } = await onSalePerformance(a);
    const reads = [
      `/api/events/${eventId}`,
      `/api/performances/${performanceId}`,
      `/api/performances/${performanceId}/availability`,
      `/api/venues/${venueId}`,
      `/api/venues/${venueId}/seats`,
      '/api/events?q=test%20show',
    ];
    for (const url of reads) {
      const first = await get(a, url);
      expect(first.statusCode, url).toBe(200);
      const etag = first.headers.etag as string;
      expect(etag, url).toMatch(/^"[^"]+"$/); // strong
      expect(first.headers['cache-control'], url).toMatch(
        /^public, max-age=\d+, stale-while-revalidate=\d+$/,
      );
      expect(first.headers['set-cookie'], url).toBeUndefined();
      expect(first.headers.vary, url).toBeUndefined();
      expect(first.headers['content-type'], url).toBe('application/json; charset=utf-8');
      // The same content has the same tag on every node, so a balancer may send the next request anywhere.
      const other = await get(b, url);
      expect([other.statusCode, other.headers.etag], url).toEqual([200, etag]);
      expect(other.body, url).toBe(first.body);
      for (const t of [a, b]) {
        const again = await get(t, url, { 'if-none-match': etag });
        expect([again.statusCode, again.body], url).toEqual([304, '']);
        // A 304 announces no body: a client trusting Content-Length would wait for one.
        expect(again.headers['content-length'], url).toBeUndefined();
        expect(again.headers.etag, url).toBe(etag);
      }
      expect((await get(a, url, { 'if-none-match': '"something-else"' })).statusCode, url).toBe(200);
    }
    // A signed-in buyer gets the same public bytes: nothing per user in them.
    const who = await buyer(a);
    const signedIn = await get(a, `/api/performances/${performanceId}`, who.headers);
    expect(signedIn.body).toBe((await get(a, `/api/performances/${performanceId}`)).body);
  });

  it('when a public read is repeated, then the node answers it from memory with the bytes and headers Fastify sends, and counts it', async () => {
    const { eventId, performanceId } = await onSalePerformance(a);
    const reads = [
      { url: `/api/events/${eventId}`, route: '/api/events/:id' },
      { url: `/api/performances/${performanceId}`, route: '/api/performances/:id' },
      { url: `/api/performances/${performanceId}/availability`, route: '/api/performances/:id/availability' },
    ];
    const withoutPerRequest = ({ 'x-request-id': id, date, ...rest }: Record<string, string | undefined>) => {
      expect(id).toMatch(/^[\w.:-]+$/);
      expect(date).toBeDefined();
      return rest;
    };
    for (const { url, route } of reads) {
      const counted = await requestsCounted(route);
      const answered = fromMemory.get(a) ?? 0;
      const routed = await get(a, url);
      const repeated = await get(a, url);
      expect(fromMemory.get(a), url).toBe(answered + 1);
      expect(repeated.body, url).toBe(routed.body);
      expect(withoutPerRequest(repeated.headers), url).toEqual(withoutPerRequest(routed.headers));
      const etag = routed.headers.etag!;
      const again = await get(a, url, { 'if-none-match': etag, 'x-request-id': 'balancer-7' });
      expect(fromMemory.get(a), url).toBe(answered + 2);
      expect([again.statusCode, again.body, again.headers['x-request-id']], url).toEqual([
        304,
        '',
        'balancer-7',
      ]);
      expect(again.headers['content-length'], url).toBeUndefined();
      // The validators and caching headers a 200 carries, so caches on the way refresh their copy.
      expect([again.headers.etag, again.headers['cache-control']], url).toEqual([
        etag,
        routed.headers['cache-control'],
      ]);
      // Counted as every request is, by route pattern and status.
      expect(await requestsCounted(route)).toEqual({ 200: counted[200] + 2, 304: counted[304] + 1 });
    }
    // A request with a body, a cross-origin one or a HEAD is Fastify's to answer.
    const answered = fromMemory.get(a);
    await get(a, reads[0]!.url, { origin: 'https://elsewhere.example' });
    await fetch(`${bases.get(a)!}${reads[0]!.url}`, { method: 'HEAD' });
    expect(fromMemory.get(a)).toBe(answered);
  });

  it('when this node flips seats while its memory holds the availability, then the next read shows the flip', async () => {
    const { performanceId } = await onSalePerformance(a, { queue: { enabled: false } });
    const url = `/api/performances/${performanceId}/availability`;
    await get(a, url);
    const remembered = fromMemory.get(a) ?? 0;
    expect(JSON.parse((await get(a, url)).body).available).toBeDefined();
    expect(fromMemory.get(a)).toBe(remembered + 1);
    // At once (an answer lives 250 ms in memory): the flip itself drops it, not its age.
    await a.availability.markTaken(performanceId, [5]);
    const bits = Buffer.from(JSON.parse((await get(a, url)).body).available as string, 'base64');
    expect((bits[0]! >> 5) & 1).toBe(0);
  });

  it('when seats are held on one node, then its availability shows them at once and the other node’s within a second, under a new version', async () => {
    const { performanceId } = await onSalePerformance(a, { queue: { enabled: false } });
    const url = `/api/performances/${performanceId}/availability`;
    const before = await get(b, url);
    // Node A has it in memory too (read twice: the second answer comes from its memory replies).
    for (let i = 0; i < 2; i++) expect((await get(a, url)).headers.etag).toBe(before.headers.etag);
    const who = await buyer(a);
    const hold = await a.app.inject({
      method: 'POST',
      url: `/api/performances/${performanceId}/holds`,
      headers: who.headers,
      payload: { seatNos: [0, 1] },
    });
    expect(hold.statusCode, hold.body).toBe(201);
    const free = (body: string, seat: number) => {
      const bits = Buffer.from(JSON.parse(body).available as string, 'base64');
      return ((bits[seat >> 3]! >> (seat & 7)) & 1) === 1;
    };
    const onA = await get(a, url);
    expect([free(onA.body, 0), free(onA.body, 1), free(onA.body, 2)]).toEqual([false, false, true]);
    expect(onA.headers.etag).not.toBe(before.headers.etag);
    // Node B's client revalidates with its old tag: within a second it is told the map changed.
    await expect
      .poll(async () => (await get(b, url, { 'if-none-match': before.headers.etag as string })).statusCode, {
        timeout: 1_000,
        interval: 50,
      })
      .toBe(200);
    const onB = await get(b, url);
    expect(free(onB.body, 0)).toBe(false);
    expect(onB.headers.etag).toBe(onA.headers.etag);
  });

  it('when 10,000 requests ask for ids that do not exist, then they are all 404 and PostgreSQL is asked a handful of times', async () => {
    const { performanceId } = await onSalePerformance(a);
    // Warm: the node has read its ids once, as any node in a sale has.
    expect((await get(a, `/api/performances/${performanceId}`)).statusCode).toBe(200);
    const existing = new Set(
      (
        await a.db.query<{ id: string }>(
          'SELECT id::text FROM performances UNION SELECT id::text FROM events UNION SELECT id::text FROM venues',
        )
      ).rows.map((r) => r.id),
    );
    const unknownBelow = () => {
      for (;;) {
        const id = String(Math.floor(Math.random() * Number(performanceId) * 2) + 1);
        if (!existing.has(id)) return id;
      }
    };
    const catalogQueries: string[] = [];
    const query = a.db.query.bind(a.db) as (...args: unknown[]) => unknown;
    (a.db as unknown as { query: unknown }).query = (...args: unknown[]) => {
      const text = typeof args[0] === 'string' ? args[0] : String((args[0] as { text?: string }).text);
      if (/\b(performances|events|venues)\b/.test(text)) catalogQueries.push(text);
      return query(...args);
    };
    try {
      const kinds = ['/api/performances/', '/api/events/', '/api/venues/', '/api/performances/'];
      const suffixes = ['', '', '/seats', '/availability'];
      let notFound = 0;
      for (let batch = 0; batch < 100; batch++) {
        const answers = await Promise.all(
          Array.from({ length: 100 }, (_, i) => {
            const k = (batch + i) % 4;
            // Ids both among and far above the ones that exist.
            const id = i % 2 === 0 ? String(1_000_000 + Math.floor(Math.random() * 1e12)) : unknownBelow();
            // Injected: 404s never come from the memory replies, and over HTTP the run would take long
            // enough for the nodes' background work to add its own catalog queries to the count.
            return a.app.inject({ method: 'GET', url: `${kinds[k]}${id}${suffixes[k]}` });
          }),
        );
        notFound += answers.filter((r) => r.statusCode === 404).length;
      }
      expect(notFound).toBe(10_000);
      console.log(`10,000 requests for mostly unknown ids: ${catalogQueries.length} catalog queries`);
      expect(catalogQueries.length).toBeLessThanOrEqual(15);
    } finally {
      (a.db as unknown as { query: unknown }).query = query;
    }
  });
});
