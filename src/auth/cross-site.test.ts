import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buyer, modes, onSalePerformance, startTestApp, type TestApp } from '../../test/harness.js';
import { TEST_CARDS } from '../booking/payments.js';

type Headers = Record<string, string>;
const EVIL = 'https://evil.example';
/** The site's own address as a browser sends it: the Host it addressed, the origin it came from. */
const OWN = { host: 'tickets.example', origin: 'https://tickets.example' };
const PARTNER = 'https://partner.example';

// Issue 16, item 9: a body-less cookie-authenticated cancel from another site refunded the order.
describe.each(modes())('cross-site requests with the session cookie ($name)', (mode) => {
  let t: TestApp;
  let performanceId = '';

  beforeAll(async () => {
    t = await startTestApp(mode, { settings: { corsOrigins: [PARTNER] } });
    ({ performanceId } = await onSalePerformance(t, { queue: { enabled: false } }));
  });
  afterAll(() => t.close());

  let nextSeat = 0;
  /** A paid order of one seat for a new buyer, made with the Bearer token. */
  const purchase = async () => {
    const who = await buyer(t);
    const hold = await t.app.inject({
      method: 'POST',
      url: `/api/performances/${performanceId}/holds`,
      headers: who.headers,
      payload: { seatNos: [nextSeat++] },
    });
    const paid = await t.app.inject({
      method: 'POST',
      url: `/api/holds/${hold.json().holdId}/checkout`,
      headers: { ...who.headers, 'idempotency-key': `k-${hold.json().holdId}` },
      payload: { payment: { card: TEST_CARDS.succeeds } },
    });
    expect(paid.statusCode).toBe(201);
    return { who, orderId: paid.json<{ id: string }>().id };
  };
  /** The body-less cancel of the report, authenticated by the cookie alone. */
  const cancelByCookie = (orderId: string, token: string, headers: Headers) =>
    t.app.inject({
      method: 'POST',
      url: `/api/orders/${orderId}/cancel`,
      headers,
      cookies: { tmomi_session: token },
    });
  const state = async (orderId: string) => {
    const { rows } = await t.db.query<{ status: string; refunds: number; sold: number }>(
      `SELECT o.status,
              (SELECT count(*)::int FROM refunds r WHERE r.order_id = o.id) AS refunds,
              (SELECT count(*)::int FROM tickets k WHERE k.order_id = o.id AND k.status = 2) AS sold
       FROM orders o WHERE o.id = $1`,
      [orderId],
    );
    return rows[0];
  };

  it('when another site posts a cancel with the cookie, then it is refused with 403 CROSS_SITE_REQUEST and nothing changes', async () => {
    const { who, orderId } = await purchase();
    const refusals: Headers[] = [
      { ...OWN, origin: EVIL, 'sec-fetch-site': 'cross-site' },
      { ...OWN, origin: EVIL },
      // Another subdomain of the same site: SameSite=Strict would have sent the cookie.
      { ...OWN, origin: 'https://shop.tickets.example', 'sec-fetch-site': 'same-site' },
      { ...OWN, origin: 'http://tickets.example.evil.example' },
      { ...OWN, origin: 'null' },
      // No Origin (not sent by any browser on a POST, but say one did not): Sec-Fetch-Site decides.
      { host: OWN.host, 'sec-fetch-site': 'cross-site' },
      { host: OWN.host, 'sec-fetch-site': 'same-site' },
    ];
    for (const headers of refusals) {
      const res = await cancelByCookie(orderId, who.token, headers);
      expect([res.statusCode, res.json().error.code], JSON.stringify(headers)).toEqual([
        403,
        'CROSS_SITE_REQUEST',
      ]);
    }
    expect(await state(orderId)).toEqual({ status: 'paid', refunds: 0, sold: 1 });
  });

  it('when the web app itself posts with the cookie, then the request is served', async () => {
    const { who, orderId } = await purchase();
    const res = await cancelByCookie(orderId, who.token, { ...OWN, 'sec-fetch-site': 'same-origin' });
    expect(res.statusCode).toBe(200);
    expect(await state(orderId)).toEqual({ status: 'refunded', refunds: 1, sold: 0 });
    // Plain http with the port written or not (a laptop), and the proxy's Host kept by the balancer.
    const served: Headers[] = [
      { host: 'localhost:3000', origin: 'http://localhost:3000' },
      { host: 'localhost:80', origin: 'http://localhost' },
      { 'sec-fetch-site': 'same-origin' },
      { 'sec-fetch-site': 'none' },
      // A trusted origin of TMOMI_CORS_ORIGINS (given credentials by CORS), whatever Sec-Fetch-Site says.
      { ...OWN, origin: PARTNER, 'sec-fetch-site': 'cross-site' },
      // Neither header: not a browser, so nobody's browser was tricked into it (cross-site.ts says why).
      {},
    ];
    for (const headers of served) {
      const other = await purchase();
      const res = await cancelByCookie(other.orderId, other.who.token, headers);
      expect(res.statusCode, JSON.stringify(headers)).toBe(200);
    }
  });

  it('when a request carries a Bearer token, then a foreign Origin does not matter', async () => {
    const { who, orderId } = await purchase();
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/orders/${orderId}/cancel`,
      headers: { ...who.headers, ...OWN, origin: EVIL, 'sec-fetch-site': 'cross-site' },
    });
    expect(res.statusCode).toBe(200);
    expect(await state(orderId)).toEqual({ status: 'refunded', refunds: 1, sold: 0 });
  });

  it('when another site reads with the cookie, then it is served (a read changes nothing; CORS keeps the answer from the site)', async () => {
    const who = await buyer(t);
    const me = await t.app.inject({
      method: 'GET',
      url: '/api/me',
      headers: { ...OWN, origin: EVIL, 'sec-fetch-site': 'cross-site' },
      cookies: { tmomi_session: who.token },
    });
    expect(me.statusCode).toBe(200);
  });
});
