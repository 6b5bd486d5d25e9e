import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  adminHeaders,
  buyer,
  modes,
  onSalePerformance,
  seriesValue,
  startTestApp,
  TestClock,
  type TestApp,
} from '../../test/harness.js';
import { InventoryRepository } from '../inventory/repository.js';
import { bookingViolations } from '../loadtest/invariants.js';
import { TEST_CARDS } from './payments.js';

// Issue 22's waiting list (decision 028): buyers of a sold-out performance in order of arrival; seats
// that come back (a refund, a release, an expiry) go to the next matching entry as an offer, never to
// open sale while an entry matches; an unclaimed offer passes to the next.

type Headers = Record<string, string>;
const CLAIM_MS = 10 * 60_000;

describe.each(modes())('the waiting list ($name)', (mode) => {
  let t: TestApp;
  const clock = new TestClock();

  beforeAll(async () => {
    t = await startTestApp(mode, { clock });
  });
  afterAll(async () => {
    await t?.close();
  });

  const inject = (
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    url: string,
    headers: Headers,
    payload?: object,
  ) => t.app.inject({ method, url, headers, payload });
  const join = (perf: string, who: Headers, payload: object) =>
    inject('POST', `/api/performances/${perf}/waitlist`, who, payload);
  const me = async (perf: string, who: Headers) =>
    (await inject('GET', `/api/performances/${perf}/waitlist/me`, who)).json();
  const pay = (holdId: string, who: Headers) =>
    inject(
      'POST',
      `/api/holds/${holdId}/checkout`,
      { ...who, 'idempotency-key': `k-${holdId}` },
      { payment: { card: TEST_CARDS.succeeds } },
    );
  const purchase = async (perf: string, seatNos: number[]) => {
    const who = await buyer(t);
    const hold = await inject('POST', `/api/performances/${perf}/holds`, who.headers, { seatNos });
    expect(hold.statusCode).toBe(201);
    const paid = await pay(hold.json().holdId, who.headers);
    expect(paid.statusCode).toBe(201);
    return { who, order: paid.json() };
  };
  /** Four seats, two buyers' orders of two each: sold out. */
  const soldOut = async () => {
    const { performanceId } = await onSalePerformance(
      t,
      { queue: { enabled: false }, maxTicketsPerUser: 2 },
      { rows: 1, seatsPerRow: 4 },
    );
    const first = await purchase(performanceId, [0, 1]);
    const second = await purchase(performanceId, [2, 3]);
    return { perf: performanceId, first, second };
  };
  const noViolations = async (perf: string) =>
    expect(await bookingViolations(t.db, perf, new Date(clock.now()))).toEqual([]);
  const seatMapFree = async (perf: string) => {
    const res = await inject('GET', `/api/performances/${perf}/availability`, {});
    return res.json<{ available: string }>().available;
  };

  it('when the input is bad or seats are on sale, then the join is refused naming why, and nothing is written', async () => {
    const { performanceId: perf } = await onSalePerformance(t, {
      queue: { enabled: false },
      maxTicketsPerUser: 2,
    });
    const who = (await buyer(t)).headers;
    for (const [payload, field] of [
      [{ quantity: 0 }, 'quantity'],
      [{ quantity: 3 }, 'quantity'],
      [{}, 'quantity'],
      [{ quantity: 1, grade: 'VIP' }, 'grade'],
      [{ quantity: 1, seats: 2 }, 'seats'],
    ] as const) {
      const res = await join(perf, who, payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(res.json().error).toMatchObject({ code: 'VALIDATION_FAILED', details: { field } });
    }
    const onSale = await join(perf, who, { quantity: 1 });
    expect(onSale.statusCode).toBe(409);
    expect(onSale.json().error.code).toBe('NOT_SOLD_OUT');
    const none = await inject('GET', `/api/performances/${perf}/waitlist/me`, who);
    expect(none.statusCode).toBe(404);
    expect(none.json().error.code).toBe('NOT_ON_WAITLIST');
    const { rows } = await t.db.query('SELECT 1 FROM waitlist_entries WHERE performance_id = $1', [perf]);
    expect(rows).toEqual([]);
  });

  it('when buyers join a sold-out list, then each sees their place, a second join is the same entry, and leaving works', async () => {
    const { perf } = await soldOut();
    const [a, b, c] = [(await buyer(t)).headers, (await buyer(t)).headers, (await buyer(t)).headers];
    const first = await join(perf, a, { quantity: 2, grade: 'R' });
    expect(first.statusCode).toBe(201);
    expect(first.json()).toMatchObject({
      state: 'waiting',
      position: 1,
      quantity: 2,
      grade: 'R',
      offer: null,
    });
    expect((await join(perf, b, { quantity: 1 })).json()).toMatchObject({ position: 2, waiting: 2 });
    const again = await join(perf, a, { quantity: 1 });
    expect(again.statusCode).toBe(200);
    expect(again.json().entryId).toBe(first.json().entryId);
    expect((await join(perf, c, { quantity: 1 })).json().position).toBe(3);
    const left = await inject('DELETE', `/api/performances/${perf}/waitlist`, b);
    expect(left.statusCode).toBe(204);
    expect(await me(perf, b)).toMatchObject({ state: 'left', position: null });
    expect(await me(perf, c)).toMatchObject({ state: 'waiting', position: 2, waiting: 2 });
    await noViolations(perf);
  });

  it('when a refund frees seats, then the first matching entry is offered them (held, not on sale) and pays without a pass', async () => {
    const { perf, first } = await soldOut();
    const aBuyer = await buyer(t);
    const [a, b] = [aBuyer.headers, (await buyer(t)).headers];
    await join(perf, a, { quantity: 2 });
    await join(perf, b, { quantity: 1 });
    const before = await seatMapFree(perf);
    const refund = await inject('POST', `/api/orders/${first.order.id}/cancel`, first.who.headers);
    expect(refund.statusCode).toBe(200);
    const offered = await me(perf, a);
    expect(offered).toMatchObject({
      state: 'offered',
      position: null,
      offer: { seatNos: [0, 1], amount: 100_000 },
    });
    expect(Date.parse(offered.offer.expiresAt)).toBe(clock.now() + CLAIM_MS);
    expect(await me(perf, b)).toMatchObject({ state: 'waiting', position: 1 });
    // The seat map never showed the seats free: they went from sold to offered; and the room stays
    // sold out (nobody is admitted to find the seats gone).
    expect(await seatMapFree(perf)).toEqual(before);
    expect(await new InventoryRepository(t.db).isSoldOut(perf, 4)).toBe(true);
    // Nobody else can take them.
    const other = await buyer(t);
    const sniped = await inject('POST', `/api/performances/${perf}/holds`, other.headers, { seatNos: [0] });
    expect(sniped.statusCode).toBe(409);
    await noViolations(perf);
    // And mailed: the offer is in the outbox (src/mail makes the message; mail.test.ts reads it arrive).
    const { rows: outbox } = await t.db.query(
      `SELECT payload->>'userId' AS "userId" FROM outbox WHERE topic = 'waitlist.offered' AND payload->>'holdId' = $1`,
      [offered.offer.holdId],
    );
    expect(outbox).toEqual([{ userId: aBuyer.id }]);
    const paid = await pay(offered.offer.holdId, a);
    expect(paid.statusCode).toBe(201);
    expect(paid.json()).toMatchObject({ status: 'paid', total: 100_000 });
    expect(await me(perf, a)).toMatchObject({ state: 'claimed', offer: null });
    await noViolations(perf);
  });

  it('when an offer runs out or is released, then it passes to the next entries in order, and with nobody left the seats go on sale', async () => {
    const { perf, first } = await soldOut();
    const [a, b, c] = [(await buyer(t)).headers, (await buyer(t)).headers, (await buyer(t)).headers];
    await join(perf, a, { quantity: 2 });
    await join(perf, b, { quantity: 1 });
    await join(perf, c, { quantity: 1 });
    await inject('POST', `/api/orders/${first.order.id}/cancel`, first.who.headers);
    expect((await me(perf, a)).state).toBe('offered');
    clock.advance(CLAIM_MS + 1_000);
    await t.sweeper.sweep();
    expect((await me(perf, a)).state).toBe('lapsed');
    const [toB, toC] = [await me(perf, b), await me(perf, c)];
    expect(toB).toMatchObject({ state: 'offered', offer: { seatNos: [0] } });
    expect(toC).toMatchObject({ state: 'offered', offer: { seatNos: [1] } });
    await noViolations(perf);
    // b declines (releases the offer): nobody is left waiting, so seat 0 goes back on sale.
    const released = await inject('DELETE', `/api/holds/${toB.offer.holdId}`, b);
    expect(released.statusCode).toBe(204);
    expect((await me(perf, b)).state).toBe('declined');
    const { rows } = await t.db.query<{ status: number }>(
      'SELECT status FROM tickets WHERE performance_id = $1 AND seat_no = 0',
      [perf],
    );
    expect(rows[0]!.status).toBe(0);
    expect(await new InventoryRepository(t.db).isSoldOut(perf, 4)).toBe(false);
    const other = await buyer(t);
    const bought = await inject('POST', `/api/performances/${perf}/holds`, other.headers, { seatNos: [0] });
    expect(bought.statusCode).toBe(201);
    // c leaves the list with the offer in hand: released, to nobody.
    expect((await inject('DELETE', `/api/performances/${perf}/waitlist`, c)).statusCode).toBe(204);
    expect((await me(perf, c)).state).toBe('declined');
    await noViolations(perf);
  });

  it('when the next entry would pass its cap, then it keeps its place and the one after is offered the seats, for the claim window the organizer set', async () => {
    const { perf, first, second } = await soldOut();
    const window = await inject('PATCH', `/api/admin/performances/${perf}`, await adminHeaders(t), {
      waitlistClaimMinutes: 2,
    });
    expect(window.statusCode).toBe(200);
    expect(window.json().waitlistClaimMinutes).toBe(2);
    // The second buyer already has two seats (the cap): waiting for two more is passed over.
    await join(perf, second.who.headers, { quantity: 1 });
    const a = (await buyer(t)).headers;
    await join(perf, a, { quantity: 2 });
    await inject('POST', `/api/orders/${first.order.id}/cancel`, first.who.headers);
    expect(await me(perf, second.who.headers)).toMatchObject({ state: 'waiting', position: 1 });
    const offered = await me(perf, a);
    expect(offered).toMatchObject({ state: 'offered', offer: { seatNos: [0, 1] } });
    expect(Date.parse(offered.offer.expiresAt)).toBe(clock.now() + 2 * 60_000);
    await noViolations(perf);
  });

  it("when a grade is sold only with a code, then its free seats neither keep the public off the list nor go to it: a code holder's released seat returns to the sale", async () => {
    // Seats 0-1 VIP (code-only), 2-5 R.
    const { performanceId: perf } = await onSalePerformance(
      t,
      { queue: { enabled: false }, maxTicketsPerUser: 2 },
      {
        sections: [
          { name: 'V', grade: 'VIP', rows: 1, seatsPerRow: 2 },
          { name: 'A', grade: 'R', rows: 1, seatsPerRow: 4 },
        ],
        prices: [
          { grade: 'VIP', amount: 90_000 },
          { grade: 'R', amount: 50_000 },
        ],
      },
    );
    const admin = await adminHeaders(t);
    const setUp = [
      await inject('PUT', `/api/admin/performances/${perf}/code-only-grades`, admin, { grades: ['VIP'] }),
      await inject('POST', `/api/admin/performances/${perf}/codes`, admin, {
        code: 'FANS',
        maxUses: 5,
        grades: ['VIP'],
      }),
    ];
    expect(setUp.map((r) => r.statusCode)).toEqual([200, 201]);
    const first = await purchase(perf, [2, 3]);
    await purchase(perf, [4, 5]);

    // Only VIP is left, and only for code holders: the public may join the list, not for VIP.
    const a = (await buyer(t)).headers;
    const vip = await join(perf, a, { grade: 'VIP', quantity: 1 });
    expect([vip.statusCode, vip.json().error.code, vip.json().error.details.field]).toEqual([
      400,
      'VALIDATION_FAILED',
      'grade',
    ]);
    expect((await join(perf, a, { quantity: 1 })).statusCode).toBe(201);

    // A fan holds a VIP seat with the code and lets it go: back on sale, not offered to the list.
    const fan = await buyer(t);
    const held = await inject('POST', `/api/performances/${perf}/holds`, fan.headers, {
      seatNos: [0],
      code: 'FANS',
    });
    expect(held.statusCode).toBe(201);
    expect((await inject('DELETE', `/api/holds/${held.json().holdId}`, fan.headers)).statusCode).toBe(204);
    expect(await me(perf, a)).toMatchObject({ state: 'waiting', position: 1 });
    const { rows } = await t.db.query<{ status: number }>(
      'SELECT status FROM tickets WHERE performance_id = $1 AND seat_no = 0',
      [perf],
    );
    expect(rows[0]!.status).toBe(0);
    await noViolations(perf);

    // An R seat that comes back is the list's.
    await inject('POST', `/api/orders/${first.order.id}/cancel`, first.who.headers);
    expect(await me(perf, a)).toMatchObject({ state: 'offered', offer: { seatNos: [2] } });
    await noViolations(perf);
  });

  it('when a refund or a released offer hands seats on to the next entry, then they never show free on the seat map, and the gate marks them for their offer without a rebuild', async () => {
    const { perf, first } = await soldOut();
    const [a, b] = [(await buyer(t)).headers, (await buyer(t)).headers];
    await join(perf, a, { quantity: 2 });
    await join(perf, b, { quantity: 2 });
    const rebuilds = async () => {
      await t.holds.settled();
      return seriesValue(t, 'tmomi_hold_gate_rebuilds_total', 'outcome', 'stored');
    };
    const [map, rebuilt] = [await seatMapFree(perf), await rebuilds()];

    // Refunded: the sold seats are taken off the gate before the offer marks them.
    await inject('POST', `/api/orders/${first.order.id}/cancel`, first.who.headers);
    const toA = await me(perf, a);
    expect(toA).toMatchObject({ state: 'offered', offer: { seatNos: [0, 1] } });
    expect(await rebuilds()).toBe(rebuilt);
    // Declined: the offer's seats go to the next entry, and stay taken on the map.
    expect((await inject('DELETE', `/api/holds/${toA.offer.holdId}`, a)).statusCode).toBe(204);
    const toB = await me(perf, b);
    expect(toB).toMatchObject({ state: 'offered', offer: { seatNos: [0, 1] } });
    expect(await seatMapFree(perf)).toEqual(map);
    expect(await rebuilds()).toBe(rebuilt);
    expect((await pay(toB.offer.holdId, b)).statusCode).toBe(201);
    await noViolations(perf);
  });
});
