import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { METRICS_AUTH, modes, startTestApp, uniqueEmail, type TestApp } from '../../test/harness.js';
import { pick, SECURITY_HEADER_NAMES } from '../../test/security-headers.js';

describe.each(modes())('HTTP edge ($name)', (mode) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(mode, { settings: { bodyLimitBytes: 2048 } });
  });
  afterAll(() => t.close());

  it('when the JSON is malformed, then 400 MALFORMED_JSON in the error shape', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/auth/signup',
      headers: { 'content-type': 'application/json' },
      payload: '{"email": "a@example.com",',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ error: { code: 'MALFORMED_JSON', message: expect.any(String) } });
  });

  it('when the body is over the limit, then 413 PAYLOAD_TOO_LARGE', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/auth/signup',
      payload: { email: 'a@example.com', password: 'x'.repeat(4000), name: 'A' },
    });
    expect(res.statusCode).toBe(413);
    expect(res.json().error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('when the body is not JSON, then 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      headers: { 'content-type': 'text/plain' },
      payload: 'email=a',
    });
    expect(res.statusCode).toBe(415);
    expect(res.json().error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('when the route does not exist, then 404 ROUTE_NOT_FOUND in the same error shape', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/nope?x=1' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: { code: 'ROUTE_NOT_FOUND', message: 'There is no GET /api/nope.' } });
  });

  it('when a query parameter has the wrong type, then 400 VALIDATION_FAILED naming it (after auth)', async () => {
    const anonymous = await t.app.inject({ method: 'GET', url: '/api/admin/users?limit=lots' });
    // Authentication runs first (onRequest), so anonymous callers learn nothing about the endpoint.
    expect(anonymous.statusCode).toBe(401);
    const email = uniqueEmail('admin');
    await t.auth.ensureAdmin({ email, password: 'admin-password' });
    const { accessToken } = await t.auth.login({ email, password: 'admin-password' });
    const res = await t.app.inject({
      method: 'GET',
      url: '/api/admin/users?limit=lots',
      headers: { authorization: `Bearer ${accessToken}` },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details).toMatchObject({ field: 'limit', in: 'querystring' });
  });

  it('when any request is answered, then it carries a request id and security headers', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: '/healthz',
      headers: { 'x-request-id': 'lb-abc-123' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-request-id']).toBe('lb-abc-123');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    const generated = await t.app.inject({
      method: 'GET',
      url: '/healthz',
      headers: { 'x-request-id': 'bad id with spaces' },
    });
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('when the API answers, then it carries the REST security headers and none of the document ones', async () => {
    for (const url of ['/healthz', '/readyz', '/metrics', '/api/nope', '/api/openapi.json']) {
      const res = await t.app.inject({ method: 'GET', url });
      expect(pick(res.headers, SECURITY_HEADER_NAMES), url).toEqual({
        'x-content-type-options': 'nosniff',
        'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
        'strict-transport-security': 'max-age=31536000; includeSubDomains',
        'referrer-policy': 'no-referrer',
        'cross-origin-resource-policy': 'same-origin',
      });
    }
  });

  it('when the service is up, then /readyz reports the database and engine, and 503 once draining', async () => {
    const ready = await t.app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ ready: true, checks: { database: 'ok', engine: 'ok', draining: 'ok' } });
  });

  it('when Prometheus scrapes /metrics, then it gets default and per-route request metrics', async () => {
    await t.app.inject({ method: 'GET', url: '/api/does-not-exist/123' });
    const res = await t.app.inject({ method: 'GET', url: '/metrics', headers: METRICS_AUTH });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    expect(res.body).toContain('process_cpu_seconds_total');
    expect(res.body).toMatch(
      /tmomi_http_requests_total\{method="GET",route="\/healthz",status_code="200"\} \d+/,
    );
    expect(res.body).toContain('tmomi_http_request_duration_seconds_bucket');
    // Unknown URLs share one label value, so scanners cannot blow up the series count.
    expect(res.body).toContain('route="unmatched"');
    expect(res.body).not.toContain('does-not-exist');
  });

  it('when a client asks for the API description, then the OpenAPI JSON is served', async () => {
    const spec = await t.app.inject({ method: 'GET', url: '/api/openapi.json' });
    expect(spec.statusCode).toBe(200);
    expect(spec.json().openapi).toBe('3.1.0');
    expect(Object.keys(spec.json().paths)).toEqual(
      expect.arrayContaining(['/api/auth/signup', '/api/auth/login', '/api/me']),
    );
  });
});

describe.each(modes())('draining ($name)', (mode) => {
  it('when the node drains, then /readyz answers 503 NOT_READY so the balancer moves traffic away', async () => {
    const t = await startTestApp(mode);
    try {
      t.readiness.drain();
      const res = await t.app.inject({ method: 'GET', url: '/readyz' });
      expect(res.statusCode).toBe(503);
      expect(res.json().error).toMatchObject({ code: 'NOT_READY', details: { draining: 'draining' } });
    } finally {
      await t.close();
    }
  });

  it('when HTTP/2 and HTTP/1.1 clients share the port, then both are answered, and an open HTTP/2 connection does not hold the close back', async () => {
    const t = await startTestApp(mode);
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const base = `http://127.0.0.1:${(t.app.server.address() as { port: number }).port}`;
    const session = http2.connect(base);
    try {
      const h2 = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const stream = session.request({ ':path': '/healthz' });
        let body = '';
        let status = 0;
        stream.on('response', (headers) => (status = Number(headers[':status'])));
        stream.setEncoding('utf8');
        stream.on('data', (chunk: string) => (body += chunk));
        stream.on('end', () => resolve({ status, body }));
        stream.on('error', reject);
      });
      expect(h2.status).toBe(200);
      expect(JSON.parse(h2.body)).toMatchObject({ status: 'ok' });
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      // A raw connection that never says a word must not hold the close back either.
      const silent = net.connect(Number(new URL(base).port), '127.0.0.1');
      await new Promise((r) => silent.once('connect', r));
      const started = Date.now();
      await t.close();
      expect(Date.now() - started).toBeLessThan(5_000);
      silent.destroy();
    } finally {
      session.destroy();
    }
  });

  it('when a keep-alive request is still running at close, then the server closes once it is answered, not after the keep-alive timeout', async () => {
    const t = await startTestApp(mode);
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = t.app.server.address() as { port: number };
    const agent = new http.Agent({ keepAlive: true });
    // The server has parsed the request and handed it to Fastify: only then does close() find it in
    // flight (a fixed sleep is not always long enough on a loaded machine, and the close resets it).
    const received = new Promise<void>((resolve) => t.app.server.once('request', () => resolve()));
    try {
      // A signup hashes its password (scrypt), so it is still running when close() begins.
      const answered = new Promise<number>((resolve, reject) => {
        const body = JSON.stringify({ email: uniqueEmail(), password: 'a-long-password', name: 'Late' });
        const req = http.request(
          { port, host: '127.0.0.1', method: 'POST', path: '/api/auth/signup', agent },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          },
        );
        req.setHeader('content-type', 'application/json');
        req.on('error', reject);
        req.end(body);
      });
      await received;
      const started = Date.now();
      await t.close();
      expect(await answered).toBe(201);
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      agent.destroy();
    }
  });
});
