import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  adminHeaders,
  buyer,
  modes,
  onSalePerformance,
  startTestApp,
  TestClock,
  type TestApp,
} from '../../test/harness.js';
import { bookingViolations } from '../loadtest/invariants.js';
import { randomUUID } from 'node:crypto';
import { HookedPayments } from '../../test/payments.js';
import { HoldRepository } from './holds/repository.js';
import { TEST_CARDS } from './payments.js';

// Issue 22, access codes (decision 027): codes made by an organizer, their uses counted with the
// purchase, discounts priced on the server, grades sold only with a code, and bad input named.

type Headers = Record<string, string>;
const R = 50_000;
const VIP = 120_000;

describe.each(modes())('access codes ($name)', (mode) => {
  let t: TestApp;
  const clock = new TestClock();
  const payments = new HookedPayments({ latencyMs: 0, timeoutMs: 1_000 });
  let admin: Headers;

  beforeAll(async () => {
    t = await startTestApp(mode, { clock, payments });
    admin = await adminHeaders(t);
  });
  afterAll(async () => {
    await t?.close();
  });

  const call = (
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    url: string,
    headers: Headers,
    payload?: object,
  ) => t.app.inject({ method, url, headers, payload });
  /** Seats 0-9 are VIP (row 1), 10-49 R; no queue; holds last 60 s. */
  const performance = async () =>
    (
      await onSalePerformance(
        t,
        { holdTtlSeconds: 60, queue: { enabled: false } },
        {
          sections: [
            { name: 'V', grade: 'VIP', rows: 1, seatsPerRow: 10 },
            { name: 'A', grade: 'R', rows: 4, seatsPerRow: 10 },
          ],
          prices: [
            { grade: 'VIP', amount: VIP },
            { grade: 'R', amount: R },
          ],
        },
      )
    ).performanceId;
  const codes = (perf: string, body: object) =>
    call('POST', `/api/admin/performances/${perf}/codes`, admin, body);
  const hold = (perf: string, who: Headers, body: object) =>
    call('POST', `/api/performances/${perf}/holds`, who, body);
  const pay = (holdId: string, who: Headers) =>
    call(
      'POST',
      `/api/holds/${holdId}/checkout`,
      { ...who, 'idempotency-key': `k-${holdId}` },
      {
        payment: { card: TEST_CARDS.succeeds },
      },
    );
  const usesOf = async (perf: string) =>
    Object.fromEntries(
      (await call('GET', `/api/admin/performances/${perf}/codes`, admin))
        .json<{
          codes: { code: string; used: number }[];
        }>()
        .codes.map((c) => [c.code, c.used]),
    );
  const refusal = (res: {
    statusCode: number;
    json: () => { error: { code: string; details?: unknown } };
  }) => ({
    status: res.statusCode,
    code: res.json().error.code,
    details: res.json().error.details,
  });

  it('when a code or a hold is sent with bad input, then 400 names the field and nothing is written', async () => {
    const perf = await performance();
    const cases: [object, string][] = [
      [{ count: 0, maxUses: 1 }, 'count'],
      [{ count: 5001, maxUses: 1 }, 'count'],
      [{ count: 1.5, maxUses: 1 }, 'count'],
      [{ code: 'FANS', maxUses: 0 }, 'maxUses'],
      [{ code: 'FANS' }, 'maxUses'],
      [{ code: 'FANS', maxUses: 1, percentOff: 0 }, 'percentOff'],
      [{ code: 'FANS', maxUses: 1, percentOff: 101 }, 'percentOff'],
      [{ code: 'FANS', maxUses: 1, amountOff: -1 }, 'amountOff'],
      [{ code: 'FANS', maxUses: 1, percentOff: 10, amountOff: 10 }, 'amountOff'],
      [{ code: 'FANS', maxUses: 1, grades: ['GOLD'] }, 'grades'],
      [{ code: 'FANS', maxUses: 1, grades: ['R', 'R'] }, 'grades'],
      [{ code: 'abc', maxUses: 1 }, 'code'],
      [{ code: 'FAN CLUB', maxUses: 1 }, 'code'],
      [{ code: 'x'.repeat(33), maxUses: 1 }, 'code'],
      [{ maxUses: 1 }, 'code'],
      [{ code: 'FANS', count: 2, maxUses: 1 }, 'code'],
      [{ code: 'FANS', maxUses: 1, extra: true }, 'extra'],
    ];
    for (const [body, field] of cases) {
      const res = await codes(perf, body);
      expect(
        [res.statusCode, res.json().error.code, res.json().error.details.field],
        JSON.stringify(body),
      ).toEqual([400, 'VALIDATION_FAILED', field]);
    }
    const grades = await call('PUT', `/api/admin/performances/${perf}/code-only-grades`, admin, {
      grades: ['GOLD'],
    });
    expect([grades.statusCode, grades.json().error.details.field]).toEqual([400, 'grades']);
    const noGrades = await call('PUT', `/api/admin/performances/${perf}/code-only-grades`, admin, {});
    expect([noGrades.statusCode, noGrades.json().error.details.field]).toEqual([400, 'grades']);
    const who = await buyer(t);
    for (const code of ['no', 'bad code', 7]) {
      const res = await hold(perf, who.headers, { seatNos: [20], code });
      expect([res.statusCode, res.json().error.code]).toEqual([400, 'VALIDATION_FAILED']);
      expect(res.json().error.details, JSON.stringify(res.json())).toMatchObject({ field: 'code' });
    }
    expect(await usesOf(perf)).toEqual({});
    const written = await t.db.query('SELECT count(*)::int AS n FROM holds WHERE performance_id = $1', [
      perf,
    ]);
    expect(written.rows[0].n).toBe(0);
    expect((await codes('999999', { code: 'FANS', maxUses: 1 })).statusCode).toBe(404);
    for (const path of ['codes', 'codes.csv']) {
      const res = await call('GET', `/api/admin/performances/abc/${path}`, admin);
      expect([res.statusCode, res.json().error.details.field]).toEqual([400, 'id']);
    }
  });

  it('when an organizer makes a named code and a batch, then they are listed, unique per performance, and exported as CSV', async () => {
    const perf = await performance();
    const named = await codes(perf, { code: 'army-2026', maxUses: 3, percentOff: 10, grades: ['VIP'] });
    expect(named.statusCode).toBe(201);
    expect(named.json().codes).toMatchObject([
      { code: 'ARMY-2026', maxUses: 3, used: 0, percentOff: 10, amountOff: null, grades: ['VIP'] },
    ]);
    expect(refusal(await codes(perf, { code: 'Army-2026', maxUses: 1 }))).toMatchObject({
      status: 409,
      code: 'CODE_TAKEN',
    });
    const batch = await codes(perf, { count: 50, maxUses: 1, amountOff: 5_000 });
    expect(batch.statusCode).toBe(201);
    const made: string[] = batch.json().codes.map((c: { code: string }) => c.code);
    expect(new Set(made).size).toBe(50);
    for (const c of made) expect(c).toMatch(/^[A-HJKMNP-Z2-9]{12}$/);
    expect(Object.keys(await usesOf(perf))).toHaveLength(51);
    // Another performance may have the same named code.
    expect((await codes(await performance(), { code: 'ARMY-2026', maxUses: 1 })).statusCode).toBe(201);

    const csv = await call('GET', `/api/admin/performances/${perf}/codes.csv`, admin);
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.body.startsWith('\uFEFFcode,max_uses,used,percent_off,amount_off,grades,created_at\n')).toBe(
      true,
    );
    const lines = csv.body.trim().split('\n');
    expect(lines).toHaveLength(52);
    expect(lines[1]).toMatch(/^ARMY-2026,3,0,10,,VIP,\d{4}-/);
    expect(lines[2]).toMatch(new RegExp(`^${made[0]},1,0,,5000,,`));
  });

  it('when a grade is code-only, then the seat map still shows it, a hold without the right code is 422 CODE_INVALID, and with it the seats sell at the discounted price', async () => {
    const perf = await performance();
    const hide = await call('PUT', `/api/admin/performances/${perf}/code-only-grades`, admin, {
      grades: ['VIP'],
    });
    expect(hide.json().codeOnlyGrades).toEqual(['VIP']);
    await codes(perf, { code: 'FANCLUB', maxUses: 5, percentOff: 25, grades: ['VIP'] });
    await codes(perf, { code: 'RONLY', maxUses: 5, amountOff: 60_000 });
    const other = await performance();
    await codes(other, { code: 'ELSEWHERE', maxUses: 5, grades: ['VIP'] });
    const who = await buyer(t);

    const map = await call('GET', `/api/performances/${perf}/availability`, who.headers);
    expect(Buffer.from(map.json().available, 'base64')[0]).toBe(0xff);
    expect(refusal(await hold(perf, who.headers, { seatNos: [0, 1] }))).toEqual({
      status: 422,
      code: 'CODE_INVALID',
      details: { reason: 'code-required', grade: 'VIP' },
    });
    expect(refusal(await hold(perf, who.headers, { grade: 'VIP', quantity: 1 }))).toMatchObject({
      details: { reason: 'code-required' },
    });
    expect(refusal(await hold(perf, who.headers, { seatNos: [0], code: 'RONLY' }))).toMatchObject({
      status: 422,
      details: { reason: 'grade-locked' },
    });
    expect(refusal(await hold(perf, who.headers, { seatNos: [0], code: 'NOSUCHCODE' }))).toMatchObject({
      status: 422,
      code: 'CODE_INVALID',
      details: { reason: 'unknown' },
    });
    expect(refusal(await hold(perf, who.headers, { seatNos: [0], code: 'ELSEWHERE' }))).toMatchObject({
      status: 422,
      details: { reason: 'unknown' },
    });
    // An amount off larger than the price makes the seat free, never negative; without a code R is open.
    const rOnly = await hold(perf, who.headers, { seatNos: [20], code: 'ronly' });
    expect(rOnly.json()).toMatchObject({ amount: 0 });
    // Paid for and cancelled, a free seat is refunded without asking the provider for nothing.
    const free = await pay(rOnly.json().holdId, who.headers);
    expect(free.json()).toMatchObject({ status: 'paid', amount: 0 });
    const refundCalls = payments.refundCalls;
    const cancelled = await call('POST', `/api/orders/${free.json().id}/cancel`, who.headers);
    expect(cancelled.json()).toMatchObject({
      status: 'refunded',
      refunds: [{ amount: 0, state: 'succeeded' }],
    });
    expect(payments.refundCalls).toBe(refundCalls);
    expect((await hold(perf, (await buyer(t)).headers, { seatNos: [21] })).json()).toMatchObject({
      amount: R,
    });

    // Typed in lower case, one VIP seat and one R seat: 25 % off each, the price decided here.
    const held = await hold(perf, who.headers, { seatNos: [3, 30], code: 'fanclub' });
    expect(held.statusCode, held.body).toBe(201);
    expect(held.json().amount).toBe(0.75 * VIP + 0.75 * R);
    const order = await pay(held.json().holdId, who.headers);
    expect(order.statusCode, order.body).toBe(201);
    expect(order.json()).toMatchObject({ status: 'paid', amount: 0.75 * (VIP + R) });
    expect(order.json().tickets.map((x: { price: number }) => x.price)).toEqual([0.75 * VIP, 0.75 * R]);
    expect(await usesOf(perf)).toMatchObject({ FANCLUB: 1, RONLY: 0 });
    // Shown again: the grade is public once more.
    await call('PUT', `/api/admin/performances/${perf}/code-only-grades`, admin, { grades: [] });
    expect((await hold(perf, (await buyer(t)).headers, { seatNos: [5] })).statusCode).toBe(201);
    expect(await bookingViolations(t.db, perf, new Date(clock.now()))).toEqual([]);
  });

  it('when holds with and without a code reach PostgreSQL in one batch, then the code’s use is counted', async () => {
    const perf = await performance();
    await codes(perf, { code: 'BATCHED', maxUses: 5 });
    const { rows } = await t.db.query<{ id: string }>(
      'SELECT id::text FROM access_codes WHERE performance_id = $1 AND code = $2',
      [perf, 'BATCHED'],
    );
    const [a, b] = await Promise.all([buyer(t), buyer(t)]);
    // Placed in one tick: one batch, one call of the hold function (the one without a code first).
    const repository = new HoldRepository({ db: t.db });
    const now = clock.now();
    const newHold = (userId: string, seatNo: number, codeId: string | null) => ({
      id: randomUUID(),
      userId,
      performanceId: perf,
      seatNos: [seatNo],
      seatPrices: [R],
      amount: R,
      currency: 'KRW',
      expiresAt: new Date(now + 60_000),
      now: new Date(now),
      cap: 4,
      passId: null,
      requestKey: null,
      codeId,
    });
    expect(
      await Promise.all([
        repository.placeHold(newHold(a.id, 40, null)),
        repository.placeHold(newHold(b.id, 41, rows[0]!.id)),
      ]),
    ).toEqual([{ outcome: 'held' }, { outcome: 'held' }]);
    expect(await usesOf(perf)).toEqual({ BATCHED: 1 });
  });

  it('when a code is used up, then the next hold is refused, and a release, an expiry or a whole refund gives its use back (a partial refund keeps it)', async () => {
    const perf = await performance();
    await codes(perf, { code: 'TWICE', maxUses: 2 });
    const [a, b, c, d] = await Promise.all([buyer(t), buyer(t), buyer(t), buyer(t)]);
    const first = await hold(perf, a.headers, { seatNos: [10, 11], code: 'TWICE' });
    const second = await hold(perf, b.headers, { seatNos: [12], code: 'TWICE' });
    expect([first.statusCode, second.statusCode]).toEqual([201, 201]);
    const spent = () => hold(perf, c.headers, { seatNos: [13], code: 'TWICE' });
    expect(refusal(await spent())).toEqual({
      status: 422,
      code: 'CODE_INVALID',
      details: { reason: 'used-up' },
    });
    expect((await hold(perf, c.headers, { seatNos: [13] })).statusCode).toBe(201); // no code: open sale

    await call('DELETE', `/api/holds/${second.json().holdId}`, b.headers);
    expect(await usesOf(perf)).toEqual({ TWICE: 1 });
    const third = await hold(perf, d.headers, { seatNos: [14], code: 'TWICE' });
    expect(third.statusCode).toBe(201);
    expect(refusal(await hold(perf, b.headers, { seatNos: [15], code: 'TWICE' }))).toMatchObject({
      status: 422,
    });

    // Paid: the use is kept. A partial refund keeps it too (the order still stands); the whole refund
    // gives it back.
    const order = (await pay(first.json().holdId, a.headers)).json();
    expect(order.status).toBe('paid');
    const partial = await call('POST', `/api/orders/${order.id}/cancel`, a.headers, {
      ticketIds: [order.tickets[0].id],
    });
    expect(partial.statusCode, partial.body).toBe(200);
    expect(await usesOf(perf)).toEqual({ TWICE: 2 });
    // Third's hold lapses (60 s): its use is back before the sweeper runs, and after it.
    clock.advance(61_000);
    expect(await usesOf(perf)).toEqual({ TWICE: 1 });
    await t.sweeper.sweep();
    expect(await usesOf(perf)).toEqual({ TWICE: 1 });
    expect((await hold(perf, b.headers, { seatNos: [15], code: 'TWICE' })).statusCode).toBe(201);
    expect(refusal(await hold(perf, d.headers, { seatNos: [16], code: 'TWICE' }))).toMatchObject({
      status: 422,
    });
    const whole = await call('POST', `/api/orders/${order.id}/cancel`, a.headers, {});
    expect(whole.statusCode, whole.body).toBe(200);
    expect(await usesOf(perf)).toEqual({ TWICE: 1 });
    expect((await hold(perf, d.headers, { seatNos: [16], code: 'TWICE' })).statusCode).toBe(201);
    expect(await bookingViolations(t.db, perf, new Date(clock.now()))).toEqual([]);
  });

  it('when a code leaks, then the organizer stops it (maxUses 0) and later allows it again; its holds and orders stand; bad input is 400 or 404 and changes nothing', async () => {
    const perf = await performance();
    await codes(perf, { code: 'leaked', maxUses: 100 });
    const patch = (code: string, body: object) =>
      call('PATCH', `/api/admin/performances/${perf}/codes/${code}`, admin, body);
    const [a, b] = await Promise.all([buyer(t), buyer(t)]);
    const first = await hold(perf, a.headers, { seatNos: [10], code: 'LEAKED' });
    expect(first.statusCode).toBe(201);

    const stopped = await patch('leaked', { maxUses: 0 });
    expect(stopped.statusCode, stopped.body).toBe(200);
    expect(stopped.json()).toMatchObject({ code: 'LEAKED', maxUses: 0, used: 1 });
    expect(refusal(await hold(perf, b.headers, { seatNos: [11], code: 'leaked' }))).toEqual({
      status: 422,
      code: 'CODE_INVALID',
      details: { reason: 'used-up' },
    });
    // The hold made before stands, and is paid for at its price.
    expect((await pay(first.json().holdId, a.headers)).json()).toMatchObject({ status: 'paid' });
    expect(await usesOf(perf)).toEqual({ LEAKED: 1 });

    for (const [code, body, field] of [
      ['LEAKED', { maxUses: -1 }, 'maxUses'],
      ['LEAKED', { maxUses: 1.5 }, 'maxUses'],
      ['LEAKED', {}, 'maxUses'],
      ['LEAKED', { maxUses: 2, percentOff: 10 }, 'percentOff'],
      ['no', { maxUses: 2 }, 'code'],
      ['bad%20code', { maxUses: 2 }, 'code'],
    ] as const) {
      const res = await patch(code, body);
      expect({
        code,
        body,
        status: res.statusCode,
        error: res.json().error.code,
        field: res.json().error.details?.field,
      }).toEqual({ code, body, status: 400, error: 'VALIDATION_FAILED', field });
    }
    expect(refusal(await patch('NOPE-NOPE', { maxUses: 2 }))).toEqual({
      status: 404,
      code: 'CODE_NOT_FOUND',
      details: { code: 'NOPE-NOPE' },
    });
    expect((await call('GET', `/api/admin/performances/${perf}/codes`, admin)).json().codes).toMatchObject([
      { code: 'LEAKED', maxUses: 0, used: 1 },
    ]);

    // Allowed again: two uses in all, one made, so one more purchase and no second.
    expect((await patch('LEAKED', { maxUses: 2 })).json()).toMatchObject({ maxUses: 2, used: 1 });
    expect((await hold(perf, b.headers, { seatNos: [11], code: 'LEAKED' })).statusCode).toBe(201);
    const c = await buyer(t);
    expect(refusal(await hold(perf, c.headers, { seatNos: [12], code: 'LEAKED' }))).toMatchObject({
      status: 422,
    });
    expect(await bookingViolations(t.db, perf, new Date(clock.now()))).toEqual([]);
  });
});
