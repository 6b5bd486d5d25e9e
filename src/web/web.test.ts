import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modes, startTestApp, type TestApp } from '../../test/harness.js';
import { pick, SECURITY_HEADER_NAMES } from '../../test/security-headers.js';

// Serving files does not depend on the database or engine, so the embedded mode is enough.
const [embedded] = modes();

describe('the web app at /', () => {
  let dist: string;
  let t: TestApp;
  beforeAll(async () => {
    dist = await mkdtemp(join(tmpdir(), 'tmomi-web-'));
    await mkdir(join(dist, 'assets'));
    await writeFile(join(dist, 'index.html'), '<!doctype html><title>app</title>');
    await writeFile(join(dist, 'assets', 'index-abc123.js'), 'console.log(1)');
    await writeFile(join(dist, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    t = await startTestApp(embedded!, { webRoot: dist, settings: { docs: true } });
  });
  afterAll(async () => {
    await t.close();
    await rm(dist, { recursive: true, force: true });
  });

  it('when / or an app route is asked for, then index.html is served and never cached', async () => {
    for (const url of ['/', '/events/42', '/admin/venues/new?x=1']) {
      const res = await t.app.inject({ url });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['content-type']).toContain('text/html');
      expect(res.headers['cache-control']).toBe('no-cache');
      expect(res.body).toContain('<title>app</title>');
    }
  });

  it('when the app is opened over plain http (a laptop on a LAN), then the CSP does not force https', async () => {
    const res = await t.app.inject({ url: '/' });
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    expect(res.headers['content-security-policy']).not.toContain('upgrade-insecure-requests');
  });

  it("when the page or a file is served, then it carries helmet's full set of document headers", async () => {
    for (const url of ['/', '/events/42', '/assets/index-abc123.js']) {
      const res = await t.app.inject({ url });
      expect(pick(res.headers, SECURITY_HEADER_NAMES), url).toEqual({
        'content-security-policy':
          "default-src 'self';base-uri 'self';font-src 'self' https: data:;form-action 'self';" +
          "frame-ancestors 'self';img-src 'self' data: https:;object-src 'none';script-src 'self';" +
          "script-src-attr 'none';style-src 'self' 'unsafe-inline'",
        'cross-origin-opener-policy': 'same-origin',
        'cross-origin-resource-policy': 'same-origin',
        'origin-agent-cluster': '?1',
        'referrer-policy': 'no-referrer',
        'strict-transport-security': 'max-age=31536000; includeSubDomains',
        'x-content-type-options': 'nosniff',
        'x-dns-prefetch-control': 'off',
        'x-download-options': 'noopen',
        'x-frame-options': 'SAMEORIGIN',
        'x-permitted-cross-domain-policies': 'none',
        'x-xss-protection': '0',
      });
    }
    // The API docs page is a document too (its CSP is swagger-ui's own).
    const docs = await t.app.inject({ url: '/docs/' });
    expect(docs.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(Object.keys(pick(docs.headers, SECURITY_HEADER_NAMES))).toHaveLength(SECURITY_HEADER_NAMES.length);
  });

  it('when a hashed asset is asked for, then it is served as immutable; other files are revalidated', async () => {
    const asset = await t.app.inject({ url: '/assets/index-abc123.js' });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const icon = await t.app.inject({ url: '/favicon.svg' });
    expect(icon.statusCode).toBe(200);
    expect(icon.headers['cache-control']).toBe('no-cache');
  });

  it('when an unknown API path or a missing file is asked for, then the JSON 404, not the app', async () => {
    for (const [method, url] of [
      ['GET', '/api/nope'],
      ['GET', '/api'],
      ['POST', '/api/nope'],
      ['GET', '/assets/gone-123.js'],
    ] as const) {
      const res = await t.app.inject({ method, url });
      expect(res.statusCode, url).toBe(404);
      expect(res.json().error.code).toBe('ROUTE_NOT_FOUND');
    }
  });

  it('when the API is asked for, then it still answers', async () => {
    expect((await t.app.inject({ url: '/api/events' })).statusCode).toBe(200);
    expect((await t.app.inject({ url: '/healthz' })).statusCode).toBe(200);
  });
});

describe('the server without a web build', () => {
  it('when web/dist is missing, then the API starts and / says how to build the app', async () => {
    const t = await startTestApp(embedded!, { webRoot: join(tmpdir(), 'tmomi-no-such-web-dist') });
    try {
      const page = await t.app.inject({ url: '/' });
      expect(page.statusCode).toBe(503);
      expect(page.body).toContain('npm run build');
      expect((await t.app.inject({ url: '/api/nope' })).json().error.code).toBe('ROUTE_NOT_FOUND');
      expect((await t.app.inject({ url: '/api/events' })).statusCode).toBe(200);
    } finally {
      await t.close();
    }
  });
});
