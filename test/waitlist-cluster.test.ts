import { randomInt, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, type Db } from '../src/platform/db.js';
import { TEST_CARDS } from '../src/booking/payments.js';
import { bulkBuyers } from '../src/loadtest/buyers.js';
import { modes, TEST_SECRET } from './harness.js';
import { availableBitset, bookingViolations } from '../src/loadtest/invariants.js';
import { HttpClient, type Reply } from '../src/loadtest/http.js';
import { followStream, type StreamEvent } from '../src/loadtest/sse.js';
import { createSale } from '../src/loadtest/setup.js';
import { hasRedisServer, startNode, startRedisServer, type TmomiNode } from './nodes.js';

/**
 * The waiting list (issue 22, decision 028) on two real Tmomi processes sharing one PostgreSQL and one
 * Redis (a private server, as booking-cluster's): refunds on both nodes at once hand their seats to the
 * entries in order of arrival while other buyers hammer those seats; offers not claimed pass on through
 * the leader's sweeper; nothing is double-booked and the engine's seat map agrees with PostgreSQL. And
 * the offer reaches the buyer over the queue's channel on the node they are connected to, wherever it
 * was made.
 */
const scaled = modes().find((m) => m.name === 'scaled');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
type Buyer = { id: string; headers: Record<string, string> };

describe.skipIf(!scaled || !hasRedisServer)(
  'the waiting list on two nodes, one PostgreSQL, one Redis',
  () => {
    let redis: { url: string; stop(): void } | undefined;
    let db: Db;
    const nodes: TmomiNode[] = [];
    const client = new HttpClient(128);
    const admin = { email: `admin-${randomUUID()}@example.com`, password: 'cluster-admin-pw' };

    beforeAll(async () => {
      const server = await startRedisServer();
      redis = server;
      const redisUrl = server.url;
      db = createPool(scaled!.databaseUrl, { max: 4 });
      const env = {
        DATABASE_URL: scaled!.databaseUrl,
        REDIS_URL: redisUrl,
        TMOMI_ADMIN_EMAIL: admin.email,
        TMOMI_ADMIN_PASSWORD: admin.password,
        TMOMI_PAYMENT_LATENCY_MS: '2',
      };
      nodes.push(...(await Promise.all([startNode(env), startNode(env)])));
    }, 60_000);

    afterAll(async () => {
      client.close();
      await Promise.all(nodes.map((n) => n.stop('SIGKILL')));
      await db?.end();
      redis?.stop();
    });

    const node = (i: number) => nodes[i % 2]!.base;
    const call = (i: number, method: string, path: string, who: Buyer, body?: object, extra = {}) =>
      client.request(node(i), method, path, { ...who.headers, ...extra }, body);
    const pay = (i: number, holdId: string, who: Buyer) =>
      call(
        i,
        'POST',
        `/api/holds/${holdId}/checkout`,
        who,
        { payment: { card: TEST_CARDS.succeeds } },
        {
          'idempotency-key': randomUUID(),
        },
      );

    it('when refunds on both nodes free seats while others hammer them, then offers go in order of arrival, pass on when unclaimed, and no seat is sold twice', async () => {
      const login = await client.request(node(0), 'POST', '/api/auth/login', {}, admin);
      const sale = await createSale(
        client,
        node(0),
        { authorization: `Bearer ${login.body.accessToken}` },
        {
          title: 'Waiting List Night',
          sections: [{ name: 'A', grade: 'R', rows: 2, seatsPerRow: 10 }],
          performance: { maxTicketsPerUser: 2 },
        },
      );
      const perf = sale.performanceId;
      const [owners, waiters, snipers] = [
        await bulkBuyers(db, 10, TEST_SECRET),
        await bulkBuyers(db, 30, TEST_SECRET),
        await bulkBuyers(db, 60, TEST_SECRET),
      ];
      // Sold out: ten orders of two seats, through both nodes.
      const orders = await Promise.all(
        owners.map(async (o, i) => {
          const hold = await call(i, 'POST', `/api/performances/${perf}/holds`, o, {
            seatNos: [2 * i, 2 * i + 1],
          });
          expect(hold.status).toBe(201);
          const paid = await pay(i + 1, hold.body.holdId, o);
          expect(paid.status).toBe(201);
          return paid.body.id as string;
        }),
      );
      // A short claim window, so the test sees offers lapse (the default is ten minutes).
      await db.query('UPDATE performances SET waitlist_claim_seconds = 10 WHERE id = $1', [perf]);
      for (const [i, w] of waiters.entries()) {
        const joined = await call(i, 'POST', `/api/performances/${perf}/waitlist`, w, { quantity: 1 });
        expect(joined.status).toBe(201);
        expect(joined.body.position).toBe(i + 1);
      }
      const me = async (ws: Buyer[]) =>
        Promise.all(
          ws.map(async (w, i) => (await call(i, 'GET', `/api/performances/${perf}/waitlist/me`, w)).body),
        );

      // Every refund at once, half on each node, while snipers try for the seats on both.
      let sniping = true;
      let resets = 0;
      const sniped: Reply[] = [];
      const sniper = async (s: Buyer, i: number) => {
        while (sniping) {
          // A connection reset under this load is the client's to retry; counted, not a reply.
          const reply = await call(i, 'POST', `/api/performances/${perf}/holds`, s, {
            seatNos: [randomInt(20)],
          }).catch((err: unknown) => {
            if ((err as { code?: string }).code !== 'ECONNRESET') throw err;
            resets++;
          });
          if (reply) sniped.push(reply);
          await sleep(randomInt(50));
        }
      };
      const snipes = snipers.map(sniper);
      const refunds = await Promise.all(
        orders.map((id, i) => call(i, 'POST', `/api/orders/${id}/cancel`, owners[i]!)),
      );
      expect(refunds.map((r) => r.status)).toEqual(Array(10).fill(200));

      const first = await me(waiters);
      expect(first.slice(0, 20).map((e) => e.state)).toEqual(Array(20).fill('offered'));
      expect(first.slice(20).map((e) => e.position)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      const offered = first.slice(0, 20).flatMap((e) => e.offer.seatNos as number[]);
      expect(offered.sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, s) => s));
      expect(await bookingViolations(db, perf)).toEqual([]);

      // The first ten pay; the next ten let their offer run out, and it passes to the last ten.
      const claims = await Promise.all(waiters.slice(0, 10).map((w, i) => pay(i, first[i].offer.holdId, w)));
      expect(claims.map((c) => c.status)).toEqual(Array(10).fill(201));
      let last = await me(waiters.slice(20));
      for (let waited = 0; waited < 30_000 && last.some((e) => e.state !== 'offered'); waited += 500) {
        await sleep(500);
        last = await me(waiters.slice(20));
      }
      expect(last.map((e) => e.state)).toEqual(Array(10).fill('offered'));
      expect((await me(waiters.slice(10, 20))).map((e) => e.state)).toEqual(Array(10).fill('lapsed'));
      expect(await bookingViolations(db, perf)).toEqual([]);
      const late = await Promise.all(waiters.slice(20).map((w, i) => pay(i, last[i].offer.holdId, w)));
      expect(late.map((c) => c.status)).toEqual(Array(10).fill(201));
      sniping = false;
      await Promise.all(snipes);

      // No sniper ever got a seat: they never went back on sale.
      expect(sniped.length).toBeGreaterThan(100);
      expect(resets).toBeLessThan(sniped.length / 10);
      expect(sniped.filter((r) => r.status < 300)).toEqual([]);
      expect(await bookingViolations(db, perf)).toEqual([]);
      const paid = await db.query<{ user: string; seats: number[] }>(
        `SELECT user_id::text AS user, seat_nos AS seats FROM orders WHERE performance_id = $1 AND status = 'paid'`,
        [perf],
      );
      const claimers = new Set([...waiters.slice(0, 10), ...waiters.slice(20)].map((w) => w.id));
      expect(paid.rows.length).toBe(20);
      expect(paid.rows.every((r) => claimers.has(r.user) && r.seats.length === 1)).toBe(true);
      // Each node's seat map agrees with PostgreSQL: nothing free.
      await sleep(500);
      const expected = (await availableBitset(db, perf, 20)).toString('base64');
      for (const n of [0, 1]) {
        const map = await client.request(node(n), 'GET', `/api/performances/${perf}/availability`, {});
        expect(map.body.available).toBe(expected);
      }
      console.log(
        `waiting list: 10 refunds → 20 offers in order, 10 lapsed and passed on; ${sniped.length} snipes (${resets} resets), none held`,
      );
    }, 120_000);

    it("when a refund on one node makes an offer, then the buyer's stream on the other node hears it within a second or two, and so does the next buyer's when it is declined there", async () => {
      const login = await client.request(node(0), 'POST', '/api/auth/login', {}, admin);
      const sale = await createSale(
        client,
        node(0),
        { authorization: `Bearer ${login.body.accessToken}` },
        {
          title: 'Offers Across Nodes',
          sections: [{ name: 'A', grade: 'R', rows: 1, seatsPerRow: 4 }],
          performance: { maxTicketsPerUser: 2 },
        },
      );
      const perf = sale.performanceId;
      const [owners, waiters] = [await bulkBuyers(db, 2, TEST_SECRET), await bulkBuyers(db, 2, TEST_SECRET)];
      const orders: string[] = [];
      for (const [i, o] of owners.entries()) {
        const hold = await call(0, 'POST', `/api/performances/${perf}/holds`, o, {
          seatNos: [2 * i, 2 * i + 1],
        });
        const paid = await pay(0, hold.body.holdId, o);
        expect(paid.status).toBe(201);
        orders.push(paid.body.id);
      }
      for (const w of waiters)
        expect((await call(0, 'POST', `/api/performances/${perf}/waitlist`, w, { quantity: 2 })).status).toBe(
          201,
        );

      // Both waiters follow the queue's stream on node B; everything else happens on node A.
      const streams = waiters.map((w) => {
        const events: { at: number; event: StreamEvent }[] = [];
        const url = `${node(1)}/api/performances/${perf}/queue/events`;
        const ended = followStream(url, w.headers, undefined, 30_000, (event) => {
          events.push({ at: Date.now(), event });
          return false;
        });
        return { events, ended };
      });
      // The first `name` event from the `from`th on: by position, not by time, since an event heard in
      // the very millisecond a later step starts would count as after it.
      const heard = async (s: (typeof streams)[number], name: string, from = 0) => {
        for (let waited = 0; waited < 10_000; waited += 10) {
          const found = s.events.slice(from).find((e) => e.event.event === name);
          if (found) return found;
          await sleep(10);
        }
        throw new Error(`no ${name} in ${JSON.stringify(s.events)}`);
      };
      await Promise.all(streams.map((s) => heard(s, 'waitlisted')));

      const asked = Date.now();
      const refund = await call(0, 'POST', `/api/orders/${orders[0]}/cancel`, owners[0]!);
      expect(refund.status).toBe(200);
      const answered = Date.now();
      const offerToFirst = await heard(streams[0]!, 'offer');
      expect(offerToFirst.event.data.offer).toMatchObject({ seatNos: [0, 1] });
      const firstLatency = offerToFirst.at - asked;
      expect(offerToFirst.at - answered).toBeLessThan(2_000);
      // The poll says the same on either node.
      for (const n of [0, 1]) {
        const polled = await call(n, 'GET', `/api/performances/${perf}/queue/me`, waiters[0]!);
        expect(polled.body).toEqual({
          state: 'waitlisted',
          position: null,
          etaSeconds: null,
          offer: offerToFirst.event.data.offer,
        });
      }

      // The first declines on node A: their stream on B hears the offer go (and ends), the next one's
      // hears it come.
      const declined = Date.now();
      expect((await call(0, 'DELETE', `/api/performances/${perf}/waitlist`, waiters[0]!)).status).toBe(204);
      const declineAnswered = Date.now();
      const offerToSecond = await heard(streams[1]!, 'offer');
      expect(offerToSecond.event.data.offer).toMatchObject({ seatNos: [0, 1] });
      expect(offerToSecond.at - declineAnswered).toBeLessThan(2_000);
      await streams[0]!.ended;
      expect(streams[0]!.events.slice(-2).map((e) => [e.event.event, e.event.data])).toEqual([
        ['offer', { offer: null }],
        ['expired', { state: 'left', position: null, etaSeconds: null }],
      ]);

      // The second pays on node A: the offer leaves their stream on B too.
      const paidAt = Date.now();
      const heardBefore = streams[1]!.events.length;
      expect(
        (await pay(0, (offerToSecond.event.data.offer as { holdId: string }).holdId, waiters[1]!)).status,
      ).toBe(201);
      const gone = await heard(streams[1]!, 'offer', heardBefore);
      expect(gone.event.data).toEqual({ offer: null });
      await streams[1]!.ended;
      expect(await bookingViolations(db, perf)).toEqual([]);
      console.log(
        `offers across nodes: refund on A → offer on B's stream ${firstLatency} ms after it was asked (${offerToFirst.at - answered} ms after its answer); ` +
          `decline on A → next buyer's offer on B ${offerToSecond.at - declined} ms after it was asked; payment → offer gone ${gone.at - paidAt} ms`,
      );
    }, 60_000);
  },
);
