import type net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorShapeProblem } from './error-contract.js';
import { modes, startTestApp, type TestApp } from './harness.js';
import { http1, sendRaw as send, type RawAnswer } from './raw-http.js';

// Every answer goes through the one error contract, including those made before a route runs: by
// Fastify's router (a broken percent-encoding, an over-long parameter), its body parsers, and Node's
// HTTP parser (headers too large), which answer with bodies of their own unless told otherwise. These
// are real requests on a real socket, since the last kind never reaches `inject`.

/** The answer's status and code, once its body is known to be in the error shape. */
function contract(answer: RawAnswer): [number, string] {
  const problem = errorShapeProblem({ contentType: answer.headers['content-type'], body: answer.body });
  expect(problem, answer.body).toBeUndefined();
  expect(answer.headers['x-content-type-options']).toBe('nosniff');
  return [answer.status, (JSON.parse(answer.body) as { error: { code: string } }).error.code];
}

describe.each(modes())('the error shape of every answer ($name)', (mode) => {
  let t: TestApp;
  let port: number;
  beforeAll(async () => {
    t = await startTestApp(mode, { settings: { bodyLimitBytes: 2048 } });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    port = (t.app.server.address() as net.AddressInfo).port;
  });
  afterAll(() => t.close());

  it('when the URL has a broken percent-encoding, then 400 MALFORMED_URL, counted with the unmatched requests', async () => {
    expect(contract(await send(port, http1('GET', '/api/events/%E0%A4%A')))).toEqual([400, 'MALFORMED_URL']);
    expect(await t.metrics.metrics()).toMatch(
      /tmomi_http_requests_total\{method="GET",route="unmatched",status_code="400"\} [1-9]/,
    );
  });

  it('when a path parameter is too long, then 414 URL_TOO_LONG', async () => {
    const long = '1'.repeat(500);
    // Refused by Fastify's router, and on a GET by the not-found handler the web app's catch-all hands it to.
    expect(contract(await send(port, http1('POST', `/api/performances/${long}/queue`)))).toEqual([
      414,
      'URL_TOO_LONG',
    ]);
    expect(contract(await send(port, http1('GET', `/api/events/${long}`)))).toEqual([414, 'URL_TOO_LONG']);
    // A long segment in a path no route has is still not found: only a path the method has is too long.
    expect(contract(await send(port, http1('GET', `/api/nowhere/${long}`)))).toEqual([
      404,
      'ROUTE_NOT_FOUND',
    ]);
  });

  it('when the headers are larger than Node accepts, then 431 HEADERS_TOO_LARGE, from the HTTP parser', async () => {
    const answer = await send(port, http1('GET', '/api/events', { 'x-padding': 'a'.repeat(40_000) }));
    expect(contract(answer)).toEqual([431, 'HEADERS_TOO_LARGE']);
  });

  it('when the request is not HTTP at all, then 400 MALFORMED_REQUEST, from the HTTP parser', async () => {
    expect(contract(await send(port, 'HELLO THERE\r\n\r\n'))).toEqual([400, 'MALFORMED_REQUEST']);
  });

  it('when the body is over the limit, not JSON, or broken JSON, then 413, 415 and 400 from the catalog', async () => {
    const json = { 'content-type': 'application/json' };
    const big = JSON.stringify({ email: 'a@example.com', password: 'x'.repeat(4000), name: 'A' });
    expect(contract(await send(port, http1('POST', '/api/auth/signup', json, big)))).toEqual([
      413,
      'PAYLOAD_TOO_LARGE',
    ]);
    const text = { 'content-type': 'text/plain' };
    expect(contract(await send(port, http1('POST', '/api/auth/login', text, 'email=a')))).toEqual([
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    ]);
    expect(contract(await send(port, http1('POST', '/api/auth/login', json, '{"email":')))).toEqual([
      400,
      'MALFORMED_JSON',
    ]);
  });

  it('when the route does not exist, then 404 ROUTE_NOT_FOUND', async () => {
    expect(contract(await send(port, http1('GET', '/api/nope')))).toEqual([404, 'ROUTE_NOT_FOUND']);
  });

  it('when the path exists but not for this method, then 405 METHOD_NOT_ALLOWED with the methods it has', async () => {
    const deleted = await send(port, http1('DELETE', '/api/events'));
    expect(contract(deleted)).toEqual([405, 'METHOD_NOT_ALLOWED']);
    expect(deleted.headers.allow).toBe('GET, HEAD');
    expect(JSON.parse(deleted.body).error.message).toBe(
      '/api/events does not answer DELETE, only GET, HEAD.',
    );
    // A GET reaches the web app's catch-all route first, which hands API paths back as not found.
    const got = await send(port, http1('GET', '/api/auth/login'));
    expect(contract(got)).toEqual([405, 'METHOD_NOT_ALLOWED']);
    expect(got.headers.allow).toBe('POST');
  });

  it('when an operation reads a body, path or query, then the OpenAPI document lists the errors the edge can answer', async () => {
    const spec = (await t.app.inject({ method: 'GET', url: '/api/openapi.json' })).json<{
      paths: Record<
        string,
        Record<string, { parameters?: unknown[]; requestBody?: unknown; responses: object }>
      >;
    }>();
    const missing: string[] = [];
    for (const [path, operations] of Object.entries(spec.paths))
      for (const [method, op] of Object.entries(operations)) {
        const expected = new Set([
          ...(op.parameters?.length || op.requestBody ? ['400'] : []),
          ...(path.includes('{') ? ['414'] : []),
          ...(['post', 'put', 'patch', 'delete'].includes(method) ? ['400', '413', '415'] : []),
        ]);
        for (const status of expected)
          if (!(status in op.responses)) missing.push(`${method.toUpperCase()} ${path} ${status}`);
      }
    expect(missing).toEqual([]);
    expect(Object.keys(spec.paths).length).toBeGreaterThan(30);
  });
});
