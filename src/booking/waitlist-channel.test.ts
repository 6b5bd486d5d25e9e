import { AsyncLocalStorage } from 'node:async_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buyer,
  modes,
  onSalePerformance,
  startTestApp,
  TestClock,
  type TestApp,
} from '../../test/harness.js';
import { followStream, type StreamEvent } from '../loadtest/sse.js';
import { TEST_CARDS } from './payments.js';

// Issue 22's gap (decision 028): a waiting list's offer reaches the buyer over the queue's own channel —
// the poll (…/queue/me) and the event stream (…/queue/events) — from the engine, never PostgreSQL, and
// leaves it when it is paid, declined or lapses.

type Headers = Record<string, string>;
type Buyer = Awaited<ReturnType<typeof buyer>>;
const CLAIM_MS = 10 * 60_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A stream followed in the background: its events as they come, and its end. */
interface Followed {
  events: StreamEvent[];
  ended: Promise<unknown>;
  /** The first event (from the `from`th on) that `match` accepts, waited for (bounded). */
  next(match: (e: StreamEvent) => boolean, from?: number): Promise<StreamEvent>;
}

describe.each(modes())("the waiting list on the queue's channel ($name)", (mode) => {
  let t: TestApp;
  let base: string;
  const clock = new TestClock();
  /** The queries made on behalf of what runs inside `polling.run`, counted by the pool's wrapper. */
  const polling = new AsyncLocalStorage<{ queries: number }>();

  beforeAll(async () => {
    t = await startTestApp(mode, { clock });
    for (const method of ['query', 'connect'] as const) {
      const original = t.db[method].bind(t.db) as (...args: unknown[]) => unknown;
      (t.db as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => {
        const counter = polling.getStore();
        if (counter) counter.queries++;
        return original(...args);
      };
    }
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(t.app.server.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    await t?.close();
  });

  const inject = (method: 'GET' | 'POST' | 'DELETE', url: string, headers: Headers, payload?: object) =>
    t.app.inject({ method, url, headers, payload });
  const poll = (perf: string, who: Buyer) => inject('GET', `/api/performances/${perf}/queue/me`, who.headers);
  const joinList = async (perf: string, who: Buyer, quantity = 2) =>
    expect(
      (await inject('POST', `/api/performances/${perf}/waitlist`, who.headers, { quantity })).statusCode,
    ).toBe(201);
  const entry = async (perf: string, who: Buyer) =>
    (await inject('GET', `/api/performances/${perf}/waitlist/me`, who.headers)).json();
  const pay = (holdId: string, who: Buyer) =>
    inject(
      'POST',
      `/api/holds/${holdId}/checkout`,
      { ...who.headers, 'idempotency-key': `k-${holdId}` },
      { payment: { card: TEST_CARDS.succeeds } },
    );
  const refund = async (order: { id: string; who: Buyer }) =>
    expect((await inject('POST', `/api/orders/${order.id}/cancel`, order.who.headers)).statusCode).toBe(200);
  /** Four seats sold as two orders of two, without a waiting room. */
  const soldOut = async () => {
    const { performanceId: perf } = await onSalePerformance(
      t,
      { queue: { enabled: false }, maxTicketsPerUser: 2 },
      { rows: 1, seatsPerRow: 4 },
    );
    const orders = [];
    for (const seatNos of [
      [0, 1],
      [2, 3],
    ]) {
      const who = await buyer(t);
      const hold = await inject('POST', `/api/performances/${perf}/holds`, who.headers, { seatNos });
      const paid = await pay(hold.json().holdId, who);
      expect(paid.statusCode).toBe(201);
      orders.push({ id: paid.json().id as string, who });
    }
    return { perf, orders };
  };
  const follow = (perf: string, who: Buyer): Followed => {
    const events: StreamEvent[] = [];
    const url = `${base}/api/performances/${perf}/queue/events`;
    const ended = followStream(url, who.headers, undefined, 30_000, (e) => (events.push(e), false));
    const next = async (match: (e: StreamEvent) => boolean, from = 0) => {
      for (let waited = 0; waited < 10_000; waited += 10) {
        const found = events.slice(from).find(match);
        if (found) return found;
        await sleep(10);
      }
      throw new Error(`no such event in ${JSON.stringify(events)}`);
    };
    return { events, ended, next };
  };
  const named = (name: string) => (e: StreamEvent) => e.event === name;

  it('when a refund makes an offer to a buyer on the list, then their stream hears it at once and their poll shows it without a database query, and paying ends it', async () => {
    const { perf, orders } = await soldOut();
    const [a, stranger] = [await buyer(t), await buyer(t)];
    // No place in a room (there is none) and not on the list: nothing to say, as before.
    const none = await poll(perf, stranger);
    expect([none.statusCode, none.json().error.code]).toEqual([404, 'NOT_IN_QUEUE']);
    await joinList(perf, a);
    expect((await poll(perf, a)).json()).toEqual({ state: 'waitlisted', position: null, etaSeconds: null });
    const stream = follow(perf, a);
    await stream.next(named('waitlisted'));

    const refundedAt = Date.now();
    await refund(orders[0]!);
    const offered = await stream.next(named('offer'));
    const heardAfterMs = Date.now() - refundedAt;
    const { offer } = await entry(perf, a);
    expect(offer).toMatchObject({ seatNos: [0, 1], amount: 100_000 });
    expect(offered.data).toEqual({ offer });

    // A hundred polls, none of which asks PostgreSQL (the performance's row is in each node's cache).
    const counter = { queries: 0 };
    const polls = await polling.run(counter, () =>
      Promise.all(Array.from({ length: 100 }, () => poll(perf, a))),
    );
    expect(counter.queries).toBe(0);
    for (const p of polls)
      expect(p.json()).toEqual({ state: 'waitlisted', position: null, etaSeconds: null, offer });
    // The counter does see the database: the waiting list's own page asks it on every poll.
    const listPoll = { queries: 0 };
    await polling.run(listPoll, () => entry(perf, a));
    expect(listPoll.queries).toBeGreaterThan(0);

    // Paid: the offer leaves the channel; with no place in a room either, the stream ends.
    expect((await pay(offer.holdId, a)).statusCode).toBe(201);
    await stream.ended;
    expect(stream.events.slice(-2)).toEqual([
      expect.objectContaining({ event: 'offer', data: { offer: null } }),
      expect.objectContaining({
        event: 'expired',
        data: { state: 'left', position: null, etaSeconds: null },
      }),
    ]);
    expect((await poll(perf, a)).statusCode).toBe(404);
    console.log(
      `${mode.name}: offer event ${heardAfterMs} ms after the refund was asked for; 100 polls, ${counter.queries} queries (the list's own poll: ${listPoll.queries})`,
    );
  });

  it('when an offer is declined, then it leaves that buyer (whose stream ends) and reaches the next; when that one lapses, it leaves them too', async () => {
    const { perf, orders } = await soldOut();
    const [b, c, d] = [await buyer(t), await buyer(t), await buyer(t)];
    for (const who of [b, c, d]) await joinList(perf, who);
    const [sb, sc, sd] = [follow(perf, b), follow(perf, c), follow(perf, d)];
    await Promise.all([sb, sc, sd].map((s) => s.next(named('waitlisted'))));

    // Leaving while waiting ends the stream of a buyer with no place in a room.
    expect((await inject('DELETE', `/api/performances/${perf}/waitlist`, d.headers)).statusCode).toBe(204);
    await sd.ended;
    expect(sd.events.map((e) => e.event)).toEqual(['waitlisted', 'expired']);

    await refund(orders[0]!);
    const toB = await sb.next(named('offer'));
    expect(toB.data.offer).toMatchObject({ seatNos: [0, 1] });
    // b declines by leaving the list with the offer in hand: released, so the seats pass to c.
    expect((await inject('DELETE', `/api/performances/${perf}/waitlist`, b.headers)).statusCode).toBe(204);
    await sb.ended;
    expect(sb.events.slice(-2).map((e) => [e.event, e.data])).toEqual([
      ['offer', { offer: null }],
      ['expired', { state: 'left', position: null, etaSeconds: null }],
    ]);
    const toC = await sc.next(named('offer'));
    expect(toC.data.offer).toMatchObject({ seatNos: [0, 1] });
    expect(toC.data.offer).not.toEqual(toB.data.offer);
    expect((await poll(perf, c)).json().offer).toEqual(toC.data.offer);

    // c lets it run out: the sweeper expires it, and c's channel hears it is gone.
    clock.advance(CLAIM_MS + 1_000);
    await t.sweeper.sweep();
    await sc.ended;
    expect(sc.events.slice(-2).map((e) => e.event)).toEqual(['offer', 'expired']);
    expect(sc.events.at(-2)!.data).toEqual({ offer: null });
    expect((await entry(perf, c)).state).toBe('lapsed');
    expect((await poll(perf, c)).statusCode).toBe(404);
  });

  it('when a buyer whose place in the room is over (sold out) is on the list, then their join and poll say waitlisted, their stream stays open, and the offer comes on it', async () => {
    const { performanceId: perf } = await onSalePerformance(
      t,
      { maxTicketsPerUser: 2, queue: { admitPerSecond: 50, maxActive: 100 } },
      { rows: 1, seatsPerRow: 2 },
    );
    const [owner, w] = [await buyer(t), await buyer(t)];
    for (const who of [owner, w])
      expect((await inject('POST', `/api/performances/${perf}/queue`, who.headers)).statusCode).toBe(200);
    let view = (await poll(perf, owner)).json();
    for (let waited = 0; view.state !== 'admitted' && waited < 10_000; waited += 50) {
      await sleep(50);
      view = (await poll(perf, owner)).json();
    }
    const hold = await inject(
      'POST',
      `/api/performances/${perf}/holds`,
      { ...owner.headers, 'x-queue-pass': view.pass },
      { seatNos: [0, 1] },
    );
    const paid = await pay(hold.json().holdId, owner);
    expect(paid.statusCode).toBe(201);
    // The leader asks whether the room sold out once a second, by the app's clock.
    clock.advance(1_100);
    let closed = (await poll(perf, w)).json();
    for (let waited = 0; closed.state !== 'closed' && waited < 10_000; waited += 50) {
      await sleep(50);
      closed = (await poll(perf, w)).json();
    }
    expect(closed).toMatchObject({ state: 'closed', reason: 'sold-out' });

    await joinList(perf, w);
    const joined = await inject('POST', `/api/performances/${perf}/queue`, w.headers);
    expect([joined.statusCode, joined.json()]).toEqual([
      200,
      { state: 'waitlisted', position: null, etaSeconds: null },
    ]);
    expect((await poll(perf, w)).json().state).toBe('waitlisted');
    const stream = follow(perf, w);
    await stream.next(named('waitlisted'));
    await refund({ id: paid.json().id, who: owner });
    const { offer } = (await stream.next(named('offer'))).data as { offer: { holdId: string } };
    expect(offer).toMatchObject({ seatNos: [0, 1], amount: 100_000 });
    expect((await poll(perf, w)).json()).toMatchObject({ state: 'waitlisted', offer });
    expect((await pay(offer.holdId, w)).statusCode).toBe(201);
    await stream.ended;
    // Off the list with a place that is over: the stream ends as that place says.
    expect(stream.events.slice(-2).map((e) => [e.event, e.data.state])).toEqual([
      ['offer', undefined],
      ['closed', 'closed'],
    ]);
  });
});
