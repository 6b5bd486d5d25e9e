import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { pino } from 'pino';
import { AppError, ERRORS } from '../contract/errors.js';
import { keptLogger } from '../../test/logs.js';
import { http1, sendRaw } from '../../test/raw-http.js';
import type { FastifyError } from 'fastify';
import { createClientErrorHandler, toErrorResponse } from './error-handler.js';
import { createHttpServer, type App } from './http.js';
import { createMetrics } from './metrics.js';

/**
 * The one error mapper at the edge, driven by errors no route of Tmomi throws on purpose: whatever a
 * bug or a broken dependency raises must reach the client as a bare 500 INTERNAL (logged in full), and
 * only errors that say they are the client's may keep a 4xx.
 */
describe('the error handler', () => {
  let app: App;
  const metrics = createMetrics();
  const logged: {
    level: number;
    msg: string;
    err?: { message: string; stack?: string };
    [field: string]: unknown;
  }[] = [];
  const secret = 'password=hunter2 at db.internal:5432';

  beforeAll(async () => {
    app = await createHttpServer({
      logger: keptLogger('info', logged),
      metrics,
      bodyLimitBytes: 1024,
      trustProxy: false,
      corsOrigins: [],
    });
    app.get('/boom', async () => {
      throw new Error(secret);
    });
    app.get('/type-error', async () => {
      const missing = undefined as unknown as { call(): void };
      missing.call();
    });
    // A dependency's error that carries an HTTP status of its own: a 5xx is still ours to hide.
    app.get('/upstream', async () => {
      throw Object.assign(new Error(secret), { statusCode: 502 });
    });
    // Security events: no token, a token without the right, too many attempts.
    app.get('/no-token', async () => {
      throw new AppError('UNAUTHENTICATED');
    });
    app.get('/forbidden', async (req) => {
      Object.assign(req, { caller: { userId: 'u-42', role: 'buyer' } });
      throw new AppError('FORBIDDEN');
    });
    // A 5xx that is part of the contract: an outcome the service expected, not a bug.
    app.get('/payment-timeout', async () => {
      throw new AppError('PAYMENT_TIMEOUT', undefined, { orderId: '7' });
    });
    app.get('/client', async () => {
      throw Object.assign(new Error('Bad header'), { statusCode: 431 });
    });
    app.get('/client-418', async () => {
      throw Object.assign(new Error('Short and stout'), { statusCode: 418 });
    });
    app.get('/client-400', async () => {
      throw Object.assign(new Error('Bad encoding'), { statusCode: 400 });
    });
    // Statuses at the edges of "the client's fault": 500 and a redirect are not.
    app.get('/status-500', async () => {
      throw Object.assign(new Error(secret), { statusCode: 500 });
    });
    app.get('/status-302', async () => {
      throw Object.assign(new Error(secret), { statusCode: 302 });
    });
    app.get('/bad-json', async () => {
      throw Object.assign(new SyntaxError('Unexpected token'), { statusCode: 400 });
    });
    app.get('/syntax-bug', async () => {
      JSON.parse(secret);
    });
    app.post(
      '/things',
      {
        schema: {
          body: {
            type: 'object',
            required: ['name'],
            properties: { name: { type: 'string' }, n: { type: 'integer' } },
            additionalProperties: false,
          },
          querystring: { type: 'object', properties: { page: { type: 'integer' } } },
        },
      },
      async () => ({ ok: true }),
    );
    // A union, as a venue's rows are: a count, or a list of rows each with its seats.
    app.post(
      '/shapes',
      {
        schema: {
          body: {
            type: 'object',
            properties: {
              rows: {
                anyOf: [
                  { type: 'integer', minimum: 1 },
                  {
                    type: 'array',
                    items: { type: 'object', properties: { seats: { type: 'integer', minimum: 1 } } },
                  },
                ],
              },
            },
          },
        },
      },
      async () => ({ ok: true }),
    );
    app.get('/app-error', async () => {
      throw new AppError('SEAT_UNAVAILABLE', undefined, { seatNos: [3] });
    });
    // A dependency out of reach (node-postgres and ioredis report a refused connection so).
    app.get('/db-down', async () => {
      throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    });
    app.get('/limited', async () => {
      throw new AppError('RATE_LIMITED', undefined, { retryAfterSeconds: 7 });
    });
    // The catalog's own 500, thrown on purpose: an answer chosen, like the payment timeout above.
    app.get('/app-internal', async () => {
      throw new AppError('INTERNAL', undefined, { step: 'reconcile' });
    });
    // A refusal before any route is chosen (as the rate limiter's is), here on request.
    app.addHook('onRequest', async (req) => {
      if (req.headers['x-refuse'] !== undefined) throw new AppError('UNAUTHENTICATED');
    });
    await app.ready();
  });
  afterAll(() => app.close());

  it.each(['/boom', '/type-error', '/upstream', '/status-500', '/status-302', '/syntax-bug'])(
    'when a route fails unexpectedly (%s), then 500 INTERNAL with the catalog message only, and the error is logged',
    async (url) => {
      logged.length = 0;
      const res = await app.inject({ method: 'GET', url });
      expect(res.statusCode).toBe(500);
      expect(res.json()).toEqual({ error: { code: 'INTERNAL', message: ERRORS.INTERNAL.message } });
      expect(res.body).not.toContain('hunter2');
      expect(res.body).not.toMatch(/at .*\.(ts|js):\d+/);
      const entry = logged.find((l) => l.msg === 'unhandled error');
      expect(entry?.level).toBe(50); // pino's "error"
      expect(entry?.err?.stack).toMatch(/error-handler\.test\.ts/);
    },
  );

  it('when a service answers an expected 5xx from the catalog (a payment timeout), then a warning without a stack, not an unhandled error', async () => {
    logged.length = 0;
    const res = await app.inject({ method: 'GET', url: '/payment-timeout' });
    expect(res.statusCode).toBe(504);
    expect(res.json().error).toMatchObject({ code: 'PAYMENT_TIMEOUT', details: { orderId: '7' } });
    expect(logged.filter((l) => l.level >= 50)).toEqual([]);
    expect(logged.filter((l) => l.err?.stack !== undefined)).toEqual([]);
    expect(logged).toContainEqual(
      expect.objectContaining({
        level: 40,
        msg: 'request failed: PAYMENT_TIMEOUT',
        details: { orderId: '7' },
      }),
    );
  });

  it('when a service throws the catalog’s own 500 on purpose, then it is answered and warned about as chosen, not logged as a bug', async () => {
    logged.length = 0;
    const res = await app.inject({ method: 'GET', url: '/app-internal' });
    expect([res.statusCode, res.json().error.code]).toEqual([500, 'INTERNAL']);
    expect(
      logged.filter((l) => l.msg.startsWith('request failed:')).map((l) => [l.level, l.msg, l.details]),
    ).toEqual([[40, 'request failed: INTERNAL', { step: 'reconcile' }]]);
    expect(logged.filter((l) => l.msg === 'unhandled error' || l.err?.stack !== undefined)).toEqual([]);
  });

  it('when a dependency is out of reach, then 503 UNAVAILABLE with Retry-After, logged once as such with the reason and not as a bug', async () => {
    logged.length = 0;
    const res = await app.inject({ method: 'GET', url: '/db-down' });
    expect([res.statusCode, res.headers['retry-after'], res.json().error.code]).toEqual([
      503,
      '5',
      'UNAVAILABLE',
    ]);
    expect(logged.map((l) => [l.level, l.msg, l.reason])).toEqual([
      [40, 'request failed: a dependency is unreachable', 'connect ECONNREFUSED 127.0.0.1:5432'],
    ]);
  });

  it('when a service refuses a request (a 4xx AppError), then it is answered, neither logged as a failure nor counted as a security event', async () => {
    logged.length = 0;
    const before = await metrics.registry.getSingleMetricAsString('tmomi_security_events_total');
    const res = await app.inject({ method: 'GET', url: '/app-error' });
    expect([res.statusCode, res.json().error.code]).toEqual([409, 'SEAT_UNAVAILABLE']);
    expect(logged.filter((l) => l.level >= 40)).toEqual([]);
    expect(await metrics.registry.getSingleMetricAsString('tmomi_security_events_total')).toBe(before);
  });

  it('when requests are refused as unauthenticated, forbidden or rate-limited, then each is a logged and counted security event, without the token', async () => {
    logged.length = 0;
    const token = 'Bearer secret.token.value';
    for (const url of ['/no-token', '/forbidden', '/limited'])
      await app.inject({
        method: 'GET',
        url,
        headers: { authorization: token, 'x-forwarded-for': '203.0.113.9' },
      });
    const events = logged.filter((l) => String(l.msg).startsWith('security event'));
    expect(events.map((e) => [e.level, e.msg, e.code, e.route, e.method, e.userId])).toEqual([
      [40, 'security event: UNAUTHENTICATED', 'UNAUTHENTICATED', '/no-token', 'GET', undefined],
      [40, 'security event: FORBIDDEN', 'FORBIDDEN', '/forbidden', 'GET', 'u-42'],
      [40, 'security event: RATE_LIMITED', 'RATE_LIMITED', '/limited', 'GET', undefined],
    ]);
    expect(events.every((e) => e.ip === '127.0.0.1')).toBe(true); // no proxy is trusted here
    expect(JSON.stringify(logged)).not.toContain('secret.token.value');
    const counted = await metrics.registry.getSingleMetricAsString('tmomi_security_events_total');
    for (const code of ['UNAUTHENTICATED', 'FORBIDDEN', 'RATE_LIMITED'])
      expect(counted).toContain(`tmomi_security_events_total{code="${code}"} 1`);
  });

  it('when a request is refused before any route matched it, then its security event names the route as unmatched', async () => {
    logged.length = 0;
    const res = await app.inject({ method: 'GET', url: '/no-such-route', headers: { 'x-refuse': '1' } });
    expect([res.statusCode, res.json().error.code]).toEqual([401, 'UNAUTHENTICATED']);
    const events = logged.filter((l) => String(l.msg).startsWith('security event'));
    expect(events.map((e) => [e.route, e.code])).toEqual([['unmatched', 'UNAUTHENTICATED']]);
  });

  it('when security events flood in, then at most 100 are logged per 10 s and the next window says how many were left out', async () => {
    logged.length = 0;
    const start = Date.now() + 60_000; // a fresh window, whatever the test before left
    const now = vi.spyOn(Date, 'now').mockReturnValue(start);
    try {
      for (let i = 0; i < 130; i++) await app.inject({ method: 'GET', url: '/no-token' });
      const events = () => logged.filter((l) => String(l.msg).startsWith('security event'));
      expect(events()).toHaveLength(100);
      // Nothing was left out before these, so none of them says so.
      expect(events().filter((e) => 'suppressed' in e)).toEqual([]);
      now.mockReturnValue(start + 10_000);
      await app.inject({ method: 'GET', url: '/no-token' });
      expect(events()).toHaveLength(101);
      expect(events().at(-1)!.suppressed).toBe(30);
    } finally {
      now.mockRestore();
    }
  });

  it('when an error says it is the client’s (a 4xx status), then that status in the error shape with the catalog’s code for it, not logged as ours', async () => {
    logged.length = 0;
    const res = await app.inject({ method: 'GET', url: '/client' });
    expect(res.statusCode).toBe(431);
    expect(res.json()).toEqual({ error: { code: 'HEADERS_TOO_LARGE', message: 'Bad header' } });
    expect(logged.filter((l) => l.msg === 'unhandled error')).toEqual([]);
    // A status the catalog has no code of its own for keeps the generic one.
    const teapot = await app.inject({ method: 'GET', url: '/client-418' });
    expect([teapot.statusCode, teapot.json()]).toEqual([
      418,
      { error: { code: 'VALIDATION_FAILED', message: 'Short and stout' } },
    ]);
  });

  it('when an error says 400, then 400 in the error shape; a body parser’s SyntaxError is MALFORMED_JSON', async () => {
    const client = await app.inject({ method: 'GET', url: '/client-400' });
    expect([client.statusCode, client.json()]).toEqual([
      400,
      { error: { code: 'VALIDATION_FAILED', message: 'Bad encoding' } },
    ]);
    const json = await app.inject({ method: 'GET', url: '/bad-json' });
    expect([json.statusCode, json.json()]).toEqual([
      400,
      { error: { code: 'MALFORMED_JSON', message: ERRORS.MALFORMED_JSON.message } },
    ]);
    const empty = await app.inject({
      method: 'POST',
      url: '/things',
      headers: { 'content-type': 'application/json' },
      payload: '',
    });
    expect([empty.statusCode, empty.json().error.code]).toEqual([400, 'MALFORMED_JSON']);
  });

  it('when a body is shorter than its Content-Length says, then 400 VALIDATION_FAILED with the catalog message', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/things',
      headers: { 'content-type': 'application/json', 'content-length': '40' },
      payload: '{"name":"a"}',
    });
    expect([res.statusCode, res.json()]).toEqual([
      400,
      { error: { code: 'VALIDATION_FAILED', message: ERRORS.VALIDATION_FAILED.message } },
    ]);
  });

  it('when a body or query fails its schema, then 400 VALIDATION_FAILED naming the field, where it was and the problem', async () => {
    const post = (payload: object, url = '/things') => app.inject({ method: 'POST', url, payload });
    expect((await post({})).json()).toEqual({
      error: {
        code: 'VALIDATION_FAILED',
        message: 'name is required.',
        details: { field: 'name', in: 'body', problem: 'is required' },
      },
    });
    expect((await post({ name: 'a', n: 'x' })).json()).toEqual({
      error: {
        code: 'VALIDATION_FAILED',
        message: 'n must be integer.',
        details: { field: 'n', in: 'body', problem: 'must be integer' },
      },
    });
    expect((await post({ name: 'a' }, '/things?page=x')).json()).toEqual({
      error: {
        code: 'VALIDATION_FAILED',
        message: 'page must be integer.',
        details: { field: 'page', in: 'querystring', problem: 'must be integer' },
      },
    });
    expect((await post({ name: 'a', colour: 'red' })).json()).toEqual({
      error: {
        code: 'VALIDATION_FAILED',
        message: 'colour is not allowed.',
        details: { field: 'colour', in: 'body', problem: 'is not allowed' },
      },
    });
    expect((await post({ name: 'a', n: 1 })).statusCode).toBe(200);
  });

  it("when a body fails a union, then the deepest complaint is named, not the first branch's", async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/shapes',
      payload: { rows: [{ seats: 3 }, { seats: 0 }] },
    });
    expect(res.json().error.details).toEqual({ field: 'rows.1.seats', in: 'body', problem: 'must be >= 1' });
    // Both branches complain about rows itself: the first branch's complaint, as Ajv lists them.
    const count = await app.inject({ method: 'POST', url: '/shapes', payload: { rows: 'x' } });
    expect(count.json().error.details).toEqual({ field: 'rows', in: 'body', problem: 'must be integer' });
  });

  // The rule behind the choice, on issue lists built by hand: Ajv lists a union's own complaint ("must
  // match a schema in anyOf") after its branches', so its order alone never tests it.
  it.each([
    [
      'a union’s own complaint, even when listed first',
      [
        { keyword: 'anyOf', instancePath: '', params: {}, message: 'must match a schema in anyOf' },
        { keyword: 'type', instancePath: '', params: { type: 'object' }, message: 'must be object' },
      ],
      { field: 'body', in: 'body', problem: 'must be object' },
    ],
    [
      'a oneOf’s own complaint, likewise',
      [
        { keyword: 'oneOf', instancePath: '', params: {}, message: 'must match exactly one schema in oneOf' },
        { keyword: 'type', instancePath: '', params: { type: 'object' }, message: 'must be object' },
      ],
      { field: 'body', in: 'body', problem: 'must be object' },
    ],
    [
      'a shallower complaint, when a missing property lies one level deeper',
      [
        { keyword: 'type', instancePath: '/seat', params: { type: 'object' }, message: 'must be object' },
        { keyword: 'required', instancePath: '/seat', params: { missingProperty: 'row' }, message: '' },
      ],
      { field: 'seat.row', in: 'body', problem: 'is required' },
    ],
    [
      'a complaint fewer levels deep, however long its names',
      [
        { keyword: 'type', instancePath: '/sections', params: {}, message: 'must be array' },
        { keyword: 'minimum', instancePath: '/a/b', params: {}, message: 'must be >= 1' },
      ],
      { field: 'a.b', in: 'body', problem: 'must be >= 1' },
    ],
  ])(
    'when a validation error lists several complaints, then the one named is not %s',
    (_, validation, details) => {
      const err = Object.assign(new Error('invalid'), { validation, validationContext: 'body' as const });
      expect(toErrorResponse(err as unknown as FastifyError).body.error.details).toEqual(details);
    },
  );

  it('when a validation error says neither where nor what, then 400 naming the body as not valid', () => {
    const err = Object.assign(new Error('invalid'), { validation: [] });
    expect(toErrorResponse(err as unknown as FastifyError)).toEqual({
      status: 400,
      body: {
        error: {
          code: 'VALIDATION_FAILED',
          message: 'body is not valid.',
          details: { field: 'body', in: 'body', problem: 'is not valid' },
        },
      },
    });
  });

  it('when a service throws an AppError, then its status, code, message and details, and Retry-After when it says so', async () => {
    const taken = await app.inject({ method: 'GET', url: '/app-error' });
    expect(taken.statusCode).toBe(409);
    expect(taken.json()).toEqual({
      error: {
        code: 'SEAT_UNAVAILABLE',
        message: ERRORS.SEAT_UNAVAILABLE.message,
        details: { seatNos: [3] },
      },
    });
    expect(taken.headers['retry-after']).toBeUndefined();
    const limited = await app.inject({ method: 'GET', url: '/limited' });
    expect([limited.statusCode, limited.headers['retry-after']]).toEqual([429, '7']);
  });
});

describe('the client error handler', () => {
  /** A socket as the handler meets it, and what the handler did to it and logged. */
  function meet(code: string | undefined, state: { destroyed?: boolean; writable?: boolean } = {}) {
    const done: string[] = [];
    const logged: { level: number; msg: string; code?: string }[] = [];
    const socket = {
      destroyed: state.destroyed ?? false,
      writable: state.writable ?? true,
      end(data: string, written: () => void) {
        done.push(data.split('\r\n')[0]!);
        written();
      },
      destroy() {
        done.push('destroy');
      },
    };
    const err = Object.assign(new Error('parse error'), { code });
    createClientErrorHandler(keptLogger('debug', logged))(err, socket as unknown as Socket);
    return { done, logged: logged.map((l) => [l.level, l.msg, l.code]) };
  }

  it('when the client reset the connection or it is gone already, then nothing is written, closed or logged', () => {
    expect(meet('ECONNRESET')).toEqual({ done: [], logged: [] });
    expect(meet('HPE_INVALID_METHOD', { destroyed: true })).toEqual({ done: [], logged: [] });
  });

  it('when the socket can no longer be written, then it is closed without an answer', () => {
    expect(meet('HPE_INVALID_METHOD', { writable: false })).toEqual({
      done: ['destroy'],
      logged: [[20, 'client error', 'HPE_INVALID_METHOD']],
    });
  });

  it('when the parser refuses a request, then the catalog’s answer for its code is written, and only then is the socket closed', () => {
    expect(meet('HPE_INVALID_METHOD')).toEqual({
      done: ['HTTP/1.1 400 Bad Request', 'destroy'],
      logged: [[20, 'client error', 'HPE_INVALID_METHOD']],
    });
    expect(meet('HPE_HEADER_OVERFLOW').done).toEqual([
      'HTTP/1.1 431 Request Header Fields Too Large',
      'destroy',
    ]);
    expect(meet(undefined).done).toEqual(['HTTP/1.1 400 Bad Request', 'destroy']);
  });

  it('when a request’s headers do not arrive in time, then Node’s parser gives up and the client reads 408 REQUEST_TIMEOUT in the error shape', async () => {
    // Node checks for late requests every `connectionsCheckingInterval`; both shortened from minutes.
    const server = http.createServer(
      { requestTimeout: 200, headersTimeout: 200, connectionsCheckingInterval: 50 },
      (_req, res) => res.end(),
    );
    server.on('clientError', createClientErrorHandler(pino({ level: 'silent' })));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const unfinished = http1('GET', '/api/events').replace(/\r\n\r\n$/, '\r\n');
      const answer = await sendRaw(port, unfinished, { end: false });
      expect([answer.status, JSON.parse(answer.body)]).toEqual([
        408,
        { error: { code: 'REQUEST_TIMEOUT', message: ERRORS.REQUEST_TIMEOUT.message } },
      ]);
      expect(answer.headers).toMatchObject({ connection: 'close', 'x-content-type-options': 'nosniff' });
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
