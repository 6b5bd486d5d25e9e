import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  adminHeaders,
  buyer,
  modes,
  onSalePerformance,
  startTestApp,
  type TestApp,
} from '../../test/harness.js';

type Headers = Record<string, string>;
const hour = 3600_000;
const iso = (ms: number) => new Date(ms).toISOString();

describe.each(modes())('live sale controls over HTTP ($name)', (mode) => {
  let t: TestApp;
  let admin: Headers;
  beforeAll(async () => {
    t = await startTestApp(mode);
    admin = await adminHeaders(t);
  });
  afterAll(() => t.close());

  const patch = (id: string, payload: unknown, headers: Headers = admin) =>
    t.app.inject({
      method: 'PATCH',
      url: `/api/admin/performances/${id}`,
      payload: payload as object,
      headers,
    });
  const control = (id: string, what: 'pause' | 'resume', headers: Headers = admin) =>
    t.app.inject({ method: 'POST', url: `/api/admin/performances/${id}/queue/${what}`, headers });
  const codeOf = (res: { statusCode: number; body: string }) =>
    `${res.statusCode} ${res.statusCode >= 400 ? JSON.parse(res.body).error.code : ''}`.trim();
  const row = async (id: string) =>
    (await t.db.query('SELECT * FROM performances WHERE id = $1', [id])).rows[0] as Record<string, unknown>;

  it('when every live setting is changed, then the performance answers with them, and holds obey the new cap and hold time', async () => {
    const { performanceId } = await onSalePerformance(t, { queue: { enabled: false } });
    const res = await patch(performanceId, {
      holdTtlSeconds: 45,
      maxTicketsPerUser: 1,
      refundUntil: iso(Date.now() + 2 * hour),
      queue: { admitPerSecond: 7, maxActive: 70, passTtlSeconds: 700 },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      holdTtlSeconds: 45,
      maxTicketsPerUser: 1,
      queue: { admitPerSecond: 7, maxActive: 70, passTtlSeconds: 700, paused: false },
      saleState: 'onsale',
    });
    const shown = (await t.app.inject({ method: 'GET', url: `/api/performances/${performanceId}` })).json();
    expect(shown).toMatchObject({ holdTtlSeconds: 45, maxTicketsPerUser: 1, queue: { admitPerSecond: 7 } });
    // This node was told at once (no waiting for its cache): the cap of 1 and the 45 s hold apply now.
    const b = await buyer(t);
    const hold = (seatNos: number[]) =>
      t.app.inject({
        method: 'POST',
        url: `/api/performances/${performanceId}/holds`,
        headers: b.headers,
        payload: { seatNos },
      });
    expect(codeOf(await hold([1, 2]))).toBe('422 TICKET_LIMIT');
    const held = await hold([1]);
    expect(held.statusCode, held.body).toBe(201);
    const ttl = Date.parse(held.json().expiresAt) - Date.now();
    expect(ttl).toBeGreaterThan(40_000);
    expect(ttl).toBeLessThanOrEqual(45_000);
  });

  it('when a patch is malformed, names no performance, or leaves a window that does not hold together, then it is refused with its code and nothing is written', async () => {
    const { performanceId } = await onSalePerformance(t);
    const before = await row(performanceId);
    const refusals = {
      empty: codeOf(await patch(performanceId, {})),
      unknownField: codeOf(await patch(performanceId, { venueId: '1' })),
      startsBeforeClose: codeOf(await patch(performanceId, { startsAt: iso(Date.now()) })),
      unknownQueueField: codeOf(await patch(performanceId, { queue: { paused: true } })),
      queueOffOnSale: codeOf(await patch(performanceId, { queue: { enabled: false } })),
      prequeueOnSale: codeOf(await patch(performanceId, { queue: { prequeueMinutes: 5 } })),
      prequeueTooLong: codeOf(await patch(performanceId, { queue: { prequeueMinutes: 1441 } })),
      emptyQueue: codeOf(await patch(performanceId, { queue: {} })),
      text: codeOf(await patch(performanceId, { holdTtlSeconds: '60' })),
      fraction: codeOf(await patch(performanceId, { maxTicketsPerUser: 1.5 })),
      tooShortHold: codeOf(await patch(performanceId, { holdTtlSeconds: 29 })),
      capTooHigh: codeOf(await patch(performanceId, { maxTicketsPerUser: 21 })),
      rateZero: codeOf(await patch(performanceId, { queue: { admitPerSecond: 0 } })),
      notADate: codeOf(await patch(performanceId, { salesCloseAt: 'tomorrow' })),
      nullDate: codeOf(await patch(performanceId, { salesOpenAt: null })),
      array: codeOf(await patch(performanceId, [{ holdTtlSeconds: 60 }])),
      closesBeforeOpening: codeOf(await patch(performanceId, { salesCloseAt: iso(Date.now() - 2 * hour) })),
      closesAfterStart: codeOf(await patch(performanceId, { salesCloseAt: iso(Date.now() + 72 * hour) })),
      opensAfterClose: codeOf(await patch(performanceId, { salesOpenAt: iso(Date.now() + 30 * hour) })),
      refundsAfterStart: codeOf(await patch(performanceId, { refundUntil: iso(Date.now() + 49 * hour) })),
      // One good field beside a bad one: all or nothing.
      halfGood: codeOf(
        await patch(performanceId, { holdTtlSeconds: 60, salesCloseAt: iso(Date.now() + 72 * hour) }),
      ),
      unknownId: codeOf(await patch('999999999', { holdTtlSeconds: 60 })),
      notAnId: codeOf(await patch('abc', { holdTtlSeconds: 60 })),
      buyer: codeOf(await patch(performanceId, { holdTtlSeconds: 60 }, (await buyer(t)).headers)),
      nobody: codeOf(await patch(performanceId, { holdTtlSeconds: 60 }, {})),
    };
    expect(refusals).toEqual({
      empty: '400 VALIDATION_FAILED',
      unknownField: '400 VALIDATION_FAILED',
      startsBeforeClose: '422 INVALID_SALE_WINDOW',
      unknownQueueField: '400 VALIDATION_FAILED',
      queueOffOnSale: '409 QUEUE_ALREADY_OPEN',
      prequeueOnSale: '409 QUEUE_ALREADY_OPEN',
      prequeueTooLong: '400 VALIDATION_FAILED',
      emptyQueue: '400 VALIDATION_FAILED',
      text: '400 VALIDATION_FAILED',
      fraction: '400 VALIDATION_FAILED',
      tooShortHold: '400 VALIDATION_FAILED',
      capTooHigh: '400 VALIDATION_FAILED',
      rateZero: '400 VALIDATION_FAILED',
      notADate: '400 VALIDATION_FAILED',
      nullDate: '400 VALIDATION_FAILED',
      array: '400 VALIDATION_FAILED',
      closesBeforeOpening: '422 INVALID_SALE_WINDOW',
      closesAfterStart: '422 INVALID_SALE_WINDOW',
      opensAfterClose: '422 INVALID_SALE_WINDOW',
      refundsAfterStart: '422 INVALID_REFUND_DEADLINE',
      halfGood: '422 INVALID_SALE_WINDOW',
      unknownId: '404 PERFORMANCE_NOT_FOUND',
      notAnId: codeOf(await patch('abc', { holdTtlSeconds: 60 })),
      buyer: '403 FORBIDDEN',
      nobody: '401 UNAUTHENTICATED',
    });
    expect(refusals.notAnId).toMatch(/^40[04] /);
    expect(await row(performanceId)).toEqual(before);
  });

  it('when the waiting room has not opened, then whether there is one and how early it opens may change; once it has, 409 QUEUE_ALREADY_OPEN unless unchanged', async () => {
    const { performanceId } = await onSalePerformance(t, {
      salesOpenAt: iso(Date.now() + 3 * hour),
      queue: { enabled: true, prequeueMinutes: 30 },
    });
    const off = await patch(performanceId, { queue: { enabled: false } });
    expect(off.statusCode, off.body).toBe(200);
    expect(off.json()).toMatchObject({ saleState: 'scheduled', queue: { enabled: false } });
    expect((await row(performanceId)).queue_enabled).toBe(false);
    // Four hours ahead of an opening three hours away: the pre-queue opens now, and buyers join it.
    const on = await patch(performanceId, { queue: { enabled: true, prequeueMinutes: 240 } });
    expect(on.statusCode, on.body).toBe(200);
    expect(on.json()).toMatchObject({
      saleState: 'prequeue',
      queue: { enabled: true, prequeueMinutes: 240 },
    });
    const b = await buyer(t);
    const joined = await t.app.inject({
      method: 'POST',
      url: `/api/performances/${performanceId}/queue`,
      headers: b.headers,
    });
    expect(joined.json().state).toBe('prequeue');
    expect(codeOf(await patch(performanceId, { queue: { enabled: false } }))).toBe('409 QUEUE_ALREADY_OPEN');
    expect(codeOf(await patch(performanceId, { queue: { prequeueMinutes: 10 } }))).toBe(
      '409 QUEUE_ALREADY_OPEN',
    );
    // The same values again (a form sends every field) change nothing and are taken with the rest.
    const same = await patch(performanceId, { queue: { enabled: true, prequeueMinutes: 240, maxActive: 9 } });
    expect(same.statusCode, same.body).toBe(200);
    expect(await row(performanceId)).toMatchObject({
      queue_enabled: true,
      prequeue_minutes: 240,
      max_active: 9,
    });
    // A sale that opened without a waiting room cannot get one: buyers are choosing seats without passes.
    const { performanceId: noQueue } = await onSalePerformance(t, { queue: { enabled: false } });
    expect(codeOf(await patch(noQueue, { queue: { enabled: true } }))).toBe('409 QUEUE_ALREADY_OPEN');
  });

  it('when the window is closed now, then the sale has ended: joins and holds are refused, a pause is refused, and reopening it lets buyers in again', async () => {
    const { performanceId } = await onSalePerformance(t);
    const b = await buyer(t);
    const join = () =>
      t.app.inject({ method: 'POST', url: `/api/performances/${performanceId}/queue`, headers: b.headers });
    expect((await join()).statusCode).toBe(200);
    const closed = await patch(performanceId, { salesCloseAt: iso(Date.now()) });
    expect(closed.statusCode, closed.body).toBe(200);
    expect(closed.json().saleState).toBe('closed');
    expect(codeOf(await join())).toBe('409 SALE_CLOSED');
    const me = await t.app.inject({
      method: 'GET',
      url: `/api/performances/${performanceId}/queue/me`,
      headers: b.headers,
    });
    expect(me.json()).toMatchObject({ state: 'closed', reason: 'sale-closed' });
    const hold = await t.app.inject({
      method: 'POST',
      url: `/api/performances/${performanceId}/holds`,
      headers: b.headers,
      payload: { seatNos: [0] },
    });
    expect(codeOf(hold)).toBe('409 SALE_CLOSED');
    expect(codeOf(await control(performanceId, 'pause'))).toBe('409 SALE_ENDED');
    // Resuming is always allowed (nothing to undo), and reopening the window reopens the room.
    expect((await control(performanceId, 'resume')).statusCode).toBe(200);
    expect((await patch(performanceId, { salesCloseAt: iso(Date.now() + 24 * hour) })).json().saleState).toBe(
      'onsale',
    );
    expect((await join()).json().state).toMatch(/waiting|admitted/);
  });

  it('when pause and resume are misused, then each is refused with its code, and both are idempotent', async () => {
    const { performanceId } = await onSalePerformance(t);
    const { performanceId: noQueue } = await onSalePerformance(t, { queue: { enabled: false } });
    expect(codeOf(await control('999999999', 'pause'))).toBe('404 PERFORMANCE_NOT_FOUND');
    expect(codeOf(await control('999999999', 'resume'))).toBe('404 PERFORMANCE_NOT_FOUND');
    expect(codeOf(await control(noQueue, 'pause'))).toBe('409 NO_WAITING_ROOM');
    expect(codeOf(await control(performanceId, 'pause', (await buyer(t)).headers))).toBe('403 FORBIDDEN');
    expect(codeOf(await control(performanceId, 'pause', {}))).toBe('401 UNAUTHENTICATED');
    for (const [what, paused] of [
      ['pause', true],
      ['pause', true],
      ['resume', false],
      ['resume', false],
    ] as const) {
      const res = await control(performanceId, what);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json().queue.paused).toBe(paused);
      expect((await row(performanceId)).queue_paused).toBe(paused);
      expect((await t.engine.queueStats(performanceId, Date.now())).paused).toBe(paused);
    }
  });
});
