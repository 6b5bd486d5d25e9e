import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  adminHeaders,
  modes,
  onSalePerformance,
  startTestApp,
  uniqueEmail,
  type TestApp,
} from '../../test/harness.js';
import type { DeskOrderDetail, DeskOrderPage, SaleReport } from '../contract/desk.js';
import { TEST_CARDS } from './payments.js';

// Issue 18: the order desk (search by every key, the timeline, refunds with a reason), the CSV exports
// and the post-sale report, over HTTP against real PostgreSQL.

type Headers = Record<string, string>;
const noQueue = { queue: { enabled: false } };

describe.each(modes())('the order desk, exports and report ($name)', (mode) => {
  let t: TestApp;
  let admin: Headers;
  let performanceId: string;
  const bought: { email: string; orderId: string; ticketIds: string[]; codes: string[] }[] = [];

  const get = (url: string, headers: Headers = admin) => t.app.inject({ method: 'GET', url, headers });
  const post = (url: string, payload: object, headers: Headers = admin) =>
    t.app.inject({ method: 'POST', url, headers, payload });
  const purchase = async (name: string, seatNos: number[]) => {
    const email = uniqueEmail('Desk');
    const { accessToken } = await t.auth.signup({ email, password: 'plum-cactus-orbit-42', name });
    const headers = { authorization: `Bearer ${accessToken}` };
    const hold = await post(`/api/performances/${performanceId}/holds`, { seatNos }, headers);
    expect(hold.statusCode).toBe(201);
    const paid = await t.app.inject({
      method: 'POST',
      url: `/api/holds/${hold.json().holdId}/checkout`,
      headers: { ...headers, 'idempotency-key': `k-${hold.json().holdId}` },
      payload: { payment: { card: TEST_CARDS.succeeds } },
    });
    expect(paid.statusCode).toBe(201);
    const order = paid.json<{ id: string; tickets: { id: string; code: string }[] }>();
    const record = {
      email: email.toLowerCase(),
      orderId: order.id,
      ticketIds: order.tickets.map((x) => x.id),
      codes: order.tickets.map((x) => x.code),
    };
    bought.push(record);
    return record;
  };
  const search = async (query: string) => {
    const res = await get(`/api/admin/orders?${query}`);
    expect(res.statusCode, res.body).toBe(200);
    return res.json<DeskOrderPage>();
  };

  beforeAll(async () => {
    t = await startTestApp(mode);
    admin = await adminHeaders(t);
    ({ performanceId } = await onSalePerformance(t, noQueue));
    await purchase('김민지', [0, 1]); // A구역 1열 1번, 2번
    await purchase('=HYPERLINK("x")', [12]); // row 2, seat 3
    await purchase('Jo, "the" Buyer', [25, 26, 27]);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('when searching by a part of the email in another case, then the order is found', async () => {
    const [first] = bought;
    const part = first!.email.slice(5, 20).toUpperCase();
    const page = await search(`q=${encodeURIComponent(part)}`);
    expect(page.items.map((o) => o.id)).toEqual([first!.orderId]);
    expect(page.items[0]!.buyer.name).toBe('김민지');
    expect(page.items[0]!.seats).toEqual([
      { section: 'A', row: '1', seat: '1' },
      { section: 'A', row: '1', seat: '2' },
    ]);
  });

  it('when searching by order id, ticket code or seat label, then the order is found', async () => {
    const [, second, third] = bought;
    const ids = async (q: string) =>
      (await search(`performanceId=${performanceId}&q=${encodeURIComponent(q)}`)).items.map((o) => o.id);
    expect(await ids(second!.orderId)).toContain(second!.orderId);
    expect(await ids(third!.codes[1]!)).toEqual([third!.orderId]);
    expect(await ids('A구역 2열 3번')).toEqual([second!.orderId]);
    expect(await ids('Section A · Row 3 · Seat 7')).toEqual([third!.orderId]);
    expect(await ids('A-3-6')).toEqual([third!.orderId]);
    expect(await ids('nobody-at-all@nowhere')).toEqual([]);
  });

  it('when listing with filters, then newest first, paged, and a page past the end is 404', async () => {
    const page = await search(`performanceId=${performanceId}&status=paid`);
    expect(page.items.map((o) => o.id)).toEqual(bought.map((b) => b.orderId).reverse());
    expect([page.total, page.page, page.pageSize]).toEqual([3, 1, 20]);
    const past = await get(`/api/admin/orders?performanceId=${performanceId}&page=2`);
    expect([past.statusCode, past.json().error.code, past.json().error.details.lastPage]).toEqual([
      404,
      'PAGE_OUT_OF_RANGE',
      1,
    ]);
    expect((await search(`performanceId=${performanceId}&status=refunded`)).items).toEqual([]);
  });

  it('when the input is bad, then 400; an unknown order 404; a buyer 403', async () => {
    for (const query of [
      'page=0',
      'page=x',
      'status=lost',
      'performanceId=abc',
      'other=1',
      `q=${'x'.repeat(201)}`,
    ])
      expect((await get(`/api/admin/orders?${query}`)).statusCode, query).toBe(400);
    expect((await get('/api/admin/orders/999999999')).json().error.code).toBe('ORDER_NOT_FOUND');
    expect((await get('/api/admin/orders/abc')).statusCode).toBe(400);
    const { accessToken } = await t.auth.signup({
      email: uniqueEmail(),
      password: 'plum-cactus-orbit-42',
      name: 'Not staff',
    });
    expect((await get('/api/admin/orders', { authorization: `Bearer ${accessToken}` })).statusCode).toBe(403);
  });

  it('when an admin refunds one ticket with a reason and another is checked in, then the timeline tells who and when', async () => {
    const third = bought[2]!;
    const blank = await post(`/api/admin/orders/${third.orderId}/refund`, {
      reason: '  ',
      ticketIds: [third.ticketIds[0]],
    });
    expect([blank.statusCode, blank.json().error.code]).toEqual([400, 'VALIDATION_FAILED']);
    expect((await post(`/api/admin/orders/${third.orderId}/refund`, {})).statusCode).toBe(400);
    const refund = await post(`/api/admin/orders/${third.orderId}/refund`, {
      reason: 'Seat double-booked by phone',
      ticketIds: [third.ticketIds[0]],
    });
    expect(refund.statusCode, refund.body).toBe(200);
    const door = await post('/api/admin/checkin', { code: third.codes[1], performanceId });
    expect(door.statusCode).toBe(200);

    const res = await get(`/api/admin/orders/${third.orderId}`);
    expect(res.statusCode).toBe(200);
    const detail = res.json<DeskOrderDetail>();
    expect(detail.buyer.email).toBe(third.email);
    expect(detail.order.tickets.map((x) => x.status)).toEqual(['void', 'used', 'valid']);
    expect(detail.timeline.map((e) => e.kind)).toEqual([
      'created',
      'paid',
      'refunded',
      'refund-paid',
      'checked-in',
    ]);
    const refunded = detail.timeline.find((e) => e.kind === 'refunded')!;
    expect(refunded.actor).toMatchObject({ role: 'admin' });
    expect(refunded.actor!.email).toMatch(/^admin-/);
    expect([refunded.reason, refunded.amount, refunded.ticketIds]).toEqual([
      'Seat double-booked by phone',
      50_000,
      [third.ticketIds[0]],
    ]);
    // The steward who scanned it: the admin whose session called the door.
    const me = (await get('/api/me')).json<{ id: string; email: string }>();
    expect(detail.timeline.at(-1)).toEqual(
      expect.objectContaining({
        actor: { role: 'admin', id: me.id, email: me.email },
        ticketIds: [third.ticketIds[1]],
      }),
    );
    const times = detail.timeline.map((e) => Date.parse(e.at));
    expect([...times].sort((a, b) => a - b)).toEqual(times);
  });

  it('when exporting attendees, then a UTF-8 CSV with a BOM, one quoted row per ticket, formulas defused', async () => {
    const res = await get(`/api/admin/performances/${performanceId}/attendees.csv`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toContain('attachment');
    expect(res.rawPayload.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    const lines = res.body.slice(1).trimEnd().split('\n');
    expect(lines[0]).toBe(
      'order_id,buyer_name,buyer_email,section,row,seat,grade,price,currency,status,checked_in_at',
    );
    expect(lines).toHaveLength(1 + 6);
    expect(lines[1]).toBe(`${bought[0]!.orderId},김민지,${bought[0]!.email},A,1,1,R,50000,KRW,valid,`);
    expect(lines[3]).toContain(`,"'=HYPERLINK(""x"")",`);
    expect(lines[4]).toMatch(/^\d+,"Jo, ""the"" Buyer",.*,void,$/);
    expect(lines[5]).toMatch(/,used,\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it('when exporting orders, then one row per order with seats, amounts and refunds', async () => {
    const res = await get(`/api/admin/performances/${performanceId}/orders.csv`);
    expect(res.statusCode).toBe(200);
    const lines = res.body.slice(1).trimEnd().split('\n');
    expect(lines[0]).toBe(
      'order_id,status,buyer_name,buyer_email,tickets,seats,amount,refunded,currency,created_at,paid_at',
    );
    expect(lines).toHaveLength(1 + 3);
    expect(lines[3]).toMatch(/,A-3-7 A-3-8,150000,50000,KRW,\S+Z,\S+Z$/);
  });

  it('when exporting an unknown performance, then 404 before any byte of a file', async () => {
    const res = await get('/api/admin/performances/999999999/attendees.csv');
    expect([res.statusCode, res.json().error.code]).toEqual([404, 'PERFORMANCE_NOT_FOUND']);
  });

  it('when reading the report, then the figures add up to what was sold, refunded and checked in', async () => {
    const res = await get(`/api/admin/performances/${performanceId}/report`);
    expect(res.statusCode, res.body).toBe(200);
    const report = res.json<SaleReport>();
    expect(report.performance).toMatchObject({ id: performanceId, eventTitle: 'Test Show', seatCount: 100 });
    expect(report.tickets).toEqual({ sold: 5, refunded: 1, checkedIn: 1, available: 95, held: 0 });
    expect(report.revenue).toEqual({ gross: 300_000, refunded: 50_000, net: 250_000 });
    expect(report.orders).toEqual({ paid: 3, refunded: 0, cancelled: 0, refunds: 1 });
    expect(report.grades).toEqual([{ grade: 'R', seats: 100, sold: 5, revenue: 250_000, checkedIn: 1 }]);
    expect(report.perMinute.reduce((n, m) => n + m.tickets, 0)).toBe(6);
    expect(report.soldOutAfterSeconds).toBeNull();
    expect(report.queue).toMatchObject({ enabled: false, bought: 3, joined: null, admitted: null });
    expect((await get('/api/admin/performances/999999999/report')).statusCode).toBe(404);
  });

  it('when buyers are admitted from the waiting room, then the report counts them from PostgreSQL and the engine', async () => {
    const queued = await onSalePerformance(t, {
      queue: { enabled: true, prequeueMinutes: 0, admitPerSecond: 50, maxActive: 100, passTtlSeconds: 600 },
    });
    const buyers: Headers[] = [];
    for (let i = 0; i < 3; i++) {
      const { accessToken } = await t.auth.signup({
        email: uniqueEmail('queued'),
        password: 'plum-cactus-orbit-42',
        name: 'Queued',
      });
      const headers = { authorization: `Bearer ${accessToken}` };
      buyers.push(headers);
      expect(
        (await post(`/api/performances/${queued.performanceId}/queue`, {}, headers)).statusCode,
      ).toBeLessThan(300);
    }
    const funnel = async () =>
      (await get(`/api/admin/performances/${queued.performanceId}/report`)).json<SaleReport>().queue;
    await expect.poll(async () => (await funnel()).admitted, { timeout: 10_000 }).toBe(3);
    // The third gives their pass up: left, not expired.
    const left = await t.app.inject({
      method: 'DELETE',
      url: `/api/performances/${queued.performanceId}/queue`,
      headers: buyers[2],
    });
    expect(left.statusCode).toBeLessThan(300);
    expect(await funnel()).toMatchObject({
      enabled: true,
      joined: 3,
      prequeue: 0,
      admitted: 3,
      left: 1,
      abandoned: 0,
      passesExpired: 0,
      waitingNow: 0,
      bought: 0,
    });
    expect((await funnel()).basis).toMatch(/joined counts queue entries/);
    // Kept where the engine's state does not expire: the admissions as they happen, the engine's
    // counters copied every few seconds while they move.
    const kept = async () =>
      (
        await t.db.query(
          `SELECT admitted::int, joined::int, prequeued::int, left_queue::int AS left,
             passes_expired::int AS "passesExpired" FROM queue_funnel WHERE performance_id = $1`,
          [queued.performanceId],
        )
      ).rows;
    await expect
      .poll(kept, { timeout: 15_000 })
      .toEqual([{ admitted: 3, joined: 3, prequeued: 0, left: 1, passesExpired: 0 }]);
    // The engine forgets the queue (an instant in the past expires it at once); the report still has
    // every figure, from PostgreSQL, even if admission starts the queue again from nothing meanwhile.
    await t.engine.queueClose(queued.performanceId, 'forgotten', Date.now() - 1);
    expect(await funnel()).toMatchObject({ joined: 3, prequeue: 0, admitted: 3, left: 1, passesExpired: 0 });
  });
});
