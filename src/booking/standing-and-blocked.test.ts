import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminHeaders, buyer, modes, startTestApp, type TestApp } from '../../test/harness.js';
import { pdfText } from '../../test/pdf-text.js';
import { onSaleAt } from '../../test/venues.js';
import { decodeBitset, isFree } from '../contract/bitset.js';
import { InventoryRepository } from '../inventory/repository.js';
import { bookingViolations } from '../loadtest/invariants.js';
import { TEST_CARDS } from './payments.js';

// Issue 20 (decision 033): standing areas sold by quantity as seat numbers, with the seats' guarantees;
// seats blocked in the layout or by an organizer, never held, by explicit or best-available requests.

type Headers = Record<string, string>;

/** Section A: 3 rows of 10 (seats 0-29), its first row's 5th seat (4) blocked in the layout; Floor: 30-39. */
const club = {
  name: 'Club',
  version: 2,
  stage: { x: 0, y: -4, width: 8, height: 2 },
  sections: [
    {
      name: 'A',
      grade: 'R',
      x: 0,
      y: 0,
      rows: [
        { label: '1', seats: 10, blocked: [5], accessible: [1], companion: [2] },
        { label: '2', seats: 10 },
        { label: '3', seats: 10 },
      ],
    },
  ],
  standing: [{ name: 'Floor', grade: 'GA', capacity: 10, x: 0, y: 10, width: 12, height: 6 }],
};
const FLOOR = { from: 30, to: 40 };
const LAYOUT_BLOCKED = 4;

/** One row of seats (0-9) and two standing areas after it: Floor (10-14) and Pit (15-19, its own grade). */
const twoFloors = {
  name: 'Two floors',
  version: 2,
  stage: { x: 0, y: -4, width: 8, height: 2 },
  sections: [{ name: 'A', grade: 'R', x: 0, y: 0, rows: [{ label: '1', seats: 10 }] }],
  standing: [
    { name: 'Floor', grade: 'GA', capacity: 5, x: 0, y: 4, width: 6, height: 4 },
    { name: 'Pit', grade: 'PIT', capacity: 5, x: 0, y: 10, width: 6, height: 4 },
  ],
};

describe.each(modes())('standing areas and blocked seats ($name)', (mode) => {
  let t: TestApp;
  let admin: Headers;
  beforeAll(async () => {
    t = await startTestApp(mode);
    admin = await adminHeaders(t);
  });
  afterAll(() => t?.close());

  const call = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, headers: Headers, payload?: object) =>
    t.app.inject({ method, url, headers, payload });
  const hold = (perf: string, who: Headers, body: object) =>
    call('POST', `/api/performances/${perf}/holds`, who, body);
  const named = (res: { statusCode: number; json: () => { error?: { code: string; details?: object } } }) => [
    res.statusCode,
    res.json().error?.code,
    res.json().error?.details,
  ];
  const checkout = async (holdId: string, who: Headers) => {
    const res = await call(
      'POST',
      `/api/holds/${holdId}/checkout`,
      { ...who, 'idempotency-key': `k-${holdId}` },
      {
        payment: { card: TEST_CARDS.succeeds },
      },
    );
    expect(res.statusCode, res.body).toBe(201);
    return res.json<{ id: string; tickets: Record<string, unknown>[] }>();
  };
  const shownFree = async (perf: string) => {
    const bits = decodeBitset(
      (await call('GET', `/api/performances/${perf}/availability`, {})).json().available,
    );
    return (seat: number) => isFree(bits, seat);
  };

  it('when buyers hold places of a standing area by quantity, then any free places are held, never more than it has; a bad quantity or name is a clear 4xx', async () => {
    const { performanceId: perf } = await onSaleAt(t, club, { maxTicketsPerUser: 4 });
    const [a, b, c, d] = await Promise.all([buyer(t), buyer(t), buyer(t), buyer(t)]);
    expect(named(await hold(perf, a.headers, { area: 'Floor', quantity: 11 }))).toEqual([
      422,
      'OVER_CAPACITY',
      { area: 'Floor', capacity: 10, requested: 11 },
    ]);
    expect(named(await hold(perf, a.headers, { area: 'Floor', quantity: 5 }))).toEqual([
      422,
      'TICKET_LIMIT',
      { max: 4, requested: 5 },
    ]);
    // As many as the area has is not over its capacity: the buyer's cap is what refuses it.
    expect(named(await hold(perf, a.headers, { area: 'Floor', quantity: 10 }))).toEqual([
      422,
      'TICKET_LIMIT',
      { max: 4, requested: 10 },
    ]);
    expect(named(await hold(perf, a.headers, { area: 'Balcony', quantity: 1 }))).toEqual([
      422,
      'UNKNOWN_AREA',
      { area: 'Balcony' },
    ]);
    expect((await hold(perf, a.headers, { area: 'Floor', quantity: 0 })).statusCode).toBe(400);

    const first = await hold(perf, a.headers, { area: ' floor', quantity: 4 });
    expect(first.statusCode, first.body).toBe(201);
    const second = await hold(perf, b.headers, { area: 'Floor', quantity: 4 });
    const places = [...first.json().seatNos, ...second.json().seatNos];
    expect(new Set(places).size).toBe(8);
    expect(places.every((s: number) => s >= FLOOR.from && s < FLOOR.to)).toBe(true);
    const tooFew = await hold(perf, c.headers, { area: 'Floor', quantity: 3 });
    expect(named(tooFew)).toEqual([409, 'SEAT_UNAVAILABLE', { area: 'Floor', quantity: 3 }]);
    expect(tooFew.json().error.message).toBe('Not enough places are left in this standing area.');
    expect((await hold(perf, c.headers, { area: 'Floor', quantity: 2 })).statusCode).toBe(201);
    expect((await hold(perf, d.headers, { area: 'Floor', quantity: 1 })).statusCode).toBe(409);
    // A grade sold only standing: best available by grade takes places of its area.
    expect(named(await hold(perf, d.headers, { grade: 'GA', quantity: 1 }))[1]).toBe('SEAT_UNAVAILABLE');

    const left = (await call('GET', `/api/performances/${perf}`, {})).json().seatsLeft;
    expect(left.sections.find((s: { name: string }) => s.name === 'Floor')).toMatchObject({
      left: 0,
      seats: 10,
    });
    expect(left.grades.find((g: { grade: string }) => g.grade === 'GA')).toEqual({
      grade: 'GA',
      left: 0,
      seats: 10,
    });
    expect(await bookingViolations(t.db, perf)).toEqual([]);
  });

  it('when a standing ticket is bought, then its order, its ticket and the PDF name the area, not a row or seat', async () => {
    const { performanceId: perf } = await onSaleAt(t, club);
    const who = await buyer(t);
    const held = await hold(perf, who.headers, { grade: 'GA', quantity: 2 });
    expect(held.statusCode, held.body).toBe(201);
    const order = await checkout(held.json().holdId, who.headers);
    expect(
      order.tickets.map(({ section, row, seat, standing, grade }) => ({
        section,
        row,
        seat,
        standing,
        grade,
      })),
    ).toEqual([
      { section: 'Floor', row: '', seat: '', standing: true, grade: 'GA' },
      { section: 'Floor', row: '', seat: '', standing: true, grade: 'GA' },
    ]);
    const read = (await call('GET', `/api/orders/${order.id}`, who.headers)).json();
    expect(read.tickets).toEqual(order.tickets);
    const ticket = (await call('GET', `/api/tickets/${read.tickets[0].id}`, who.headers)).json();
    expect(ticket).toMatchObject({ section: 'Floor', standing: true });
    const ko = await call('GET', `/api/orders/${order.id}/tickets.pdf?lang=ko`, who.headers);
    expect((await pdfText(ko.rawPayload)).pages[0]).toContain('Floor 스탠딩');
    const en = await call('GET', `/api/orders/${order.id}/tickets.pdf?lang=en`, who.headers);
    const text = (await pdfText(en.rawPayload)).pages[1];
    expect(text).toContain('Standing · Floor');
    expect(text).not.toContain('Row');
    // A seat's ticket still names its row and seat.
    const seated = await hold(perf, who.headers, { seatNos: [12] });
    const seatOrder = await checkout(seated.json().holdId, who.headers);
    expect(seatOrder.tickets[0]).toMatchObject({ section: 'A', row: '2', seat: '3' });
    expect(seatOrder.tickets[0]).not.toHaveProperty('standing');
    // The organizer's files say the same: the area alone for a standing ticket, row and seat for a seat.
    const csv = async (file: string) =>
      (await call('GET', `/api/admin/performances/${perf}/${file}`, admin)).body
        .slice(1)
        .trimEnd()
        .split('\n');
    const attendees = (await csv('attendees.csv'))
      .slice(1)
      .map((line) => line.split(',').slice(3, 7).join(','));
    expect(attendees).toEqual(['A,2,3,R', 'Floor,,,GA', 'Floor,,,GA']);
    const orders = await csv('orders.csv');
    expect(orders.find((line) => line.startsWith(`${order.id},`))).toContain(',2,Floor Floor,');
    expect(orders.find((line) => line.startsWith(`${seatOrder.id},`))).toContain(',1,A-2-3,');
    const desk = (await call('GET', `/api/admin/orders?performanceId=${perf}`, admin)).json<{
      items: { id: string; seats: object[] }[];
    }>();
    expect(desk.items.find((o) => o.id === order.id)!.seats).toEqual([
      { section: 'Floor', row: '', seat: '' },
      { section: 'Floor', row: '', seat: '' },
    ]);
    // At the door, a ticket shown twice: the steward is told where its first holder went in.
    const scan = (code: unknown) => call('POST', '/api/admin/checkin', admin, { code, performanceId: perf });
    for (const [sold, where] of [
      [order, { section: 'Floor', row: '', seat: '', standing: true }],
      [seatOrder, { section: 'A', row: '2', seat: '3' }],
    ] as const) {
      const first = await scan(sold.tickets[0]!.code);
      expect(first.statusCode).toBe(200);
      const { checkedInAt } = first.json<{ checkedInAt: string }>();
      expect(named(await scan(sold.tickets[0]!.code))).toEqual([
        409,
        'ALREADY_CHECKED_IN',
        { ...where, checkedInAt },
      ]);
    }
  });

  it('when a seat is blocked in the layout, then it is never held, by name or best available, and never shown free', async () => {
    const { performanceId: perf } = await onSaleAt(t, club, { maxTicketsPerUser: 4 });
    const who = await buyer(t);
    expect(named(await hold(perf, who.headers, { seatNos: [3, LAYOUT_BLOCKED] }))).toEqual([
      409,
      'SEAT_UNAVAILABLE',
      { seatNos: [LAYOUT_BLOCKED] },
    ]);
    expect((await shownFree(perf))(LAYOUT_BLOCKED)).toBe(false);
    // Best available until none is left: 29 seats for sale of the 30.
    const held: number[] = [];
    for (;;) {
      const res = await hold(perf, (await buyer(t)).headers, { grade: 'R', quantity: 3 });
      if (res.statusCode !== 201) {
        expect(res.json().error.code).toBe('SEAT_UNAVAILABLE');
        break;
      }
      held.push(...res.json().seatNos);
    }
    const last = await hold(perf, (await buyer(t)).headers, { grade: 'R', quantity: 2 });
    held.push(...(last.json().seatNos ?? []));
    expect(held).not.toContain(LAYOUT_BLOCKED);
    expect(held.length).toBe(29);
    const page = (await call('GET', `/api/performances/${perf}`, {})).json();
    expect(page.counts).toMatchObject({ available: 10, held: 29, blocked: 1 }); // the floor's 10 are left
    expect(page.seatsLeft.sections[0]).toMatchObject({ name: 'A', left: 0, seats: 29 });
    expect(await bookingViolations(t.db, perf)).toEqual([]);
  });

  it('when an organizer blocks seats of a performance, then they are never held until released; held or sold ones are refused by name', async () => {
    const { performanceId: perf } = await onSaleAt(t, club, { maxTicketsPerUser: 4 });
    const blocked = `/api/admin/performances/${perf}/blocked-seats`;
    const [a, b] = [await buyer(t), await buyer(t)];
    const heldByA = await hold(perf, a.headers, { seatNos: [10] });
    await checkout((await hold(perf, b.headers, { seatNos: [11] })).json().holdId, b.headers);

    // All or nothing: a held seat and a sold one refuse the call, naming them; nothing is blocked.
    expect(named(await call('POST', blocked, admin, { seatNos: [20, 10, 11] }))).toEqual([
      409,
      'SEATS_HELD_OR_SOLD',
      { held: [10], sold: [11] },
    ]);
    expect((await call('GET', blocked, admin)).json()).toEqual({
      performanceId: perf,
      layout: [LAYOUT_BLOCKED],
      performance: [],
    });
    expect(named(await call('POST', blocked, admin, { seatNos: [40] }))[1]).toBe('INVALID_SEAT');

    const res = await call('POST', blocked, admin, { seatNos: [21, 20, 35] });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ performanceId: perf, layout: [LAYOUT_BLOCKED], performance: [20, 21, 35] });
    // Blocking twice changes nothing.
    expect((await call('POST', blocked, admin, { seatNos: [20] })).json().performance).toEqual([20, 21, 35]);
    const free = await shownFree(perf);
    expect([20, 21, 35].map(free)).toEqual([false, false, false]);

    const c = await buyer(t);
    expect(named(await hold(perf, c.headers, { seatNos: [20] }))).toEqual([
      409,
      'SEAT_UNAVAILABLE',
      { seatNos: [20] },
    ]);
    // The standing area has 9 places left: asking for them all gets all but the blocked one.
    const page = (await call('GET', `/api/performances/${perf}`, {})).json();
    expect(page.seatsLeft.sections.find((s: { name: string }) => s.name === 'Floor').left).toBe(10 - 1);
    expect(page.counts.blocked).toBe(4);

    // A seat blocked in the layout is never released; the others come back on sale.
    expect(named(await call('POST', `${blocked}/release`, admin, { seatNos: [LAYOUT_BLOCKED, 20] }))).toEqual(
      [409, 'SEATS_BLOCKED_IN_LAYOUT', { seatNos: [LAYOUT_BLOCKED] }],
    );
    const released = await call('POST', `${blocked}/release`, admin, { seatNos: [20, 22] });
    expect(released.json()).toEqual({ performanceId: perf, layout: [LAYOUT_BLOCKED], performance: [21, 35] });
    expect((await shownFree(perf))(20)).toBe(true);
    expect((await hold(perf, c.headers, { seatNos: [20] })).statusCode).toBe(201);
    expect(heldByA.statusCode).toBe(201);
    expect(await bookingViolations(t.db, perf)).toEqual([]);
  });

  it('when every seat not blocked is sold, then the performance is sold out (blocked seats are never for sale)', async () => {
    const tiny = {
      name: 'Box',
      version: 2,
      sections: [{ name: 'Box', grade: 'R', x: 0, y: 0, rows: [{ label: '1', seats: 4, blocked: [2] }] }],
    };
    const { performanceId: perf } = await onSaleAt(t, tiny, { maxTicketsPerUser: 4 });
    const inventory = new InventoryRepository(t.db);
    const who = await buyer(t);
    await checkout((await hold(perf, who.headers, { seatNos: [0, 2] })).json().holdId, who.headers);
    expect(await inventory.isSoldOut(perf, 4)).toBe(false);
    await call('POST', `/api/admin/performances/${perf}/blocked-seats`, admin, { seatNos: [3] });
    expect(await inventory.isSoldOut(perf, 4)).toBe(true);
    await new Promise((r) => setTimeout(r, 1_100)); // the page's counts are read at most once a second
    expect((await call('GET', `/api/performances/${perf}`, {})).json()).toMatchObject({
      saleState: 'soldout',
      counts: { available: 0, held: 0, sold: 2, blocked: 2 },
    });
  });

  it('when a request is sent again under its Idempotency-Key, then the same seats, or the same area and count, get its hold back; any other request under the key is refused as reused', async () => {
    const { performanceId: perf } = await onSaleAt(t, twoFloors, { maxTicketsPerUser: 6 });
    const keyed = (body: object, who: Headers) => hold(perf, { ...who, 'idempotency-key': 'k' }, body);
    const reusedFor = (holdId: string) => [422, 'IDEMPOTENCY_KEY_REUSED', { holdId }];
    const first = async (body: object) => {
      const who = (await buyer(t)).headers;
      const res = await keyed(body, who);
      expect(res.statusCode, res.body).toBe(201);
      return { who, holdId: res.json<{ holdId: string }>().holdId };
    };

    // Seats: the same ones again (in any order) are the hold; more of them, starting with the same, are not.
    const one = await first({ seatNos: [1] });
    expect((await keyed({ seatNos: [1] }, one.who)).json().holdId).toBe(one.holdId);
    expect(named(await keyed({ seatNos: [1, 2] }, one.who))).toEqual(reusedFor(one.holdId));

    // Places held by number under the key answer an area's request only if each is in the area: the
    // Floor's first and last (10, 14) are; the Pit's first (15) and the row's last seat (9) are not.
    for (const [seatNos, fits] of [
      [[10, 14], true],
      [[15], false],
      [[9, 10], false],
    ] as const) {
      const prior = await first({ seatNos });
      const again = await keyed({ area: 'Floor', quantity: seatNos.length }, prior.who);
      if (fits) expect([again.statusCode, again.json().holdId]).toEqual([201, prior.holdId]);
      else expect(named(again)).toEqual(reusedFor(prior.holdId));
      // Given back, so that the next case finds its places free.
      expect((await call('DELETE', `/api/holds/${prior.holdId}`, prior.who)).statusCode).toBe(204);
    }
    // An area by quantity: the same area (as typed in any case) and count again; not another area or count.
    const floor = await first({ area: 'Floor', quantity: 2 });
    expect((await keyed({ area: 'floor', quantity: 2 }, floor.who)).json().holdId).toBe(floor.holdId);
    for (const other of [
      { area: 'Pit', quantity: 2 },
      { area: 'Floor', quantity: 1 },
      { area: 'Floor', quantity: 3 },
    ])
      expect(named(await keyed(other, floor.who))).toEqual(reusedFor(floor.holdId));

    expect(await bookingViolations(t.db, perf, new Date())).toEqual([]);
  });

  it('when the grade of a standing area is sold only with a code, then its places are refused without one, by area or by number', async () => {
    const { performanceId: perf } = await onSaleAt(t, twoFloors);
    const hide = await call('PUT', `/api/admin/performances/${perf}/code-only-grades`, admin, {
      grades: ['PIT'],
    });
    expect(hide.statusCode, hide.body).toBe(200);
    const who = (await buyer(t)).headers;
    const locked = [422, 'CODE_INVALID', { reason: 'code-required', grade: 'PIT' }];
    expect(named(await hold(perf, who, { area: 'Pit', quantity: 1 }))).toEqual(locked);
    expect(named(await hold(perf, who, { seatNos: [15] }))).toEqual(locked);
    // The other area is public.
    expect((await hold(perf, who, { area: 'Floor', quantity: 1 })).statusCode).toBe(201);
  });
});
