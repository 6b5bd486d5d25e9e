import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppSettings } from '../app.js';
import { METRICS_AUTH, modes, startTestApp, TEST_METRICS_TOKEN, type TestApp } from '../../test/harness.js';

// Issue 16, item 10: /metrics (revenue, orders) and /docs were public on the API port. Neither
// depends on the database or the engine, so the embedded mode is enough.
const [embedded] = modes();
const NO_METRICS: AppSettings['metrics'] = { token: undefined, port: undefined, host: '127.0.0.1' };

describe('where /metrics and /docs are served', () => {
  let dist = '';
  const apps: TestApp[] = [];
  /** An app with these settings, serving a built web app (whose fallback must not answer for them). */
  const start = async (settings: Partial<AppSettings>) => {
    const t = await startTestApp(embedded!, { webRoot: dist, settings });
    apps.push(t);
    return t;
  };
  beforeAll(async () => {
    dist = await mkdtemp(join(tmpdir(), 'tmomi-web-'));
    await writeFile(join(dist, 'index.html'), '<!doctype html><title>app</title>');
  });
  afterAll(async () => {
    await Promise.all(apps.map((t) => t.close()));
    await rm(dist, { recursive: true, force: true });
  });

  it('when a token is set, then /metrics on the API port answers only a scrape that sends it', async () => {
    const t = await start({});
    for (const authorization of [undefined, 'Bearer wrong-token-of-some-length', TEST_METRICS_TOKEN]) {
      const res = await t.app.inject({
        url: '/metrics',
        headers: authorization === undefined ? {} : { authorization },
      });
      expect(res.statusCode, authorization).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer realm="metrics"');
      expect(res.json()).toEqual({ error: { code: 'UNAUTHENTICATED', message: expect.any(String) } });
      expect(res.body).not.toContain('tmomi_');
    }
    const scraped = await t.app.inject({ url: '/metrics', headers: METRICS_AUTH });
    expect(scraped.statusCode).toBe(200);
    expect(scraped.headers['content-type']).toContain('text/plain');
    expect(scraped.body).toContain('tmomi_revenue_total');
  });

  it('when neither a token nor a port is set, then /metrics is not served at all: a JSON 404, not the web app', async () => {
    const t = await start({ metrics: NO_METRICS });
    for (const url of ['/metrics', '/metrics?x=1']) {
      const res = await t.app.inject({ url, headers: METRICS_AUTH });
      expect([res.statusCode, res.json().error.code], url).toEqual([404, 'ROUTE_NOT_FOUND']);
    }
    expect(t.metricsServer).toBeUndefined();
  });

  it('when a metrics port is set, then /metrics is served there alone, behind the token if there is one', async () => {
    const open = await start({ metrics: { ...NO_METRICS, port: 9464 } });
    expect((await open.app.inject({ url: '/metrics', headers: METRICS_AUTH })).statusCode).toBe(404);
    const scraped = await open.metricsServer!.inject({ url: '/metrics' });
    expect(scraped.statusCode).toBe(200);
    expect(scraped.body).toContain('tmomi_http_requests_total');
    const elsewhere = await open.metricsServer!.inject({ url: '/api/events' });
    expect([elsewhere.statusCode, elsewhere.json().error.code]).toEqual([404, 'ROUTE_NOT_FOUND']);

    const guarded = await start({ metrics: { token: TEST_METRICS_TOKEN, port: 9464, host: '0.0.0.0' } });
    expect((await guarded.app.inject({ url: '/metrics', headers: METRICS_AUTH })).statusCode).toBe(404);
    const refused = await guarded.metricsServer!.inject({ url: '/metrics' });
    expect([refused.statusCode, refused.json().error.code]).toEqual([401, 'UNAUTHENTICATED']);
    expect((await guarded.metricsServer!.inject({ url: '/metrics', headers: METRICS_AUTH })).statusCode).toBe(
      200,
    );
  });

  it('when the docs are not enabled, then /docs is a JSON 404; enabled (TMOMI_DOCS), the Swagger UI', async () => {
    const off = await start({});
    for (const url of ['/docs', '/docs/', '/docs/static/index.html', '/docs/json']) {
      const res = await off.app.inject({ url });
      expect([res.statusCode, res.json().error.code], url).toEqual([404, 'ROUTE_NOT_FOUND']);
    }
    // The OpenAPI document is inert JSON, with no script to run on this origin: it stays.
    expect((await off.app.inject({ url: '/api/openapi.json' })).statusCode).toBe(200);
    const on = await start({ docs: true });
    const docs = await on.app.inject({ url: '/docs/' });
    expect(docs.statusCode).toBe(200);
    expect(docs.body).toContain('swagger');
  });
});
