import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buyer, METRICS_AUTH, modes, onSalePerformance, startTestApp, type TestApp } from './harness.js';
import { readSse } from './sse.js';

const run = promisify(execFile);
const promtool = await run('promtool', ['--version']).then(
  () => true,
  () => false,
);
const NO_PROMTOOL = 'promtool is not installed (apt-get install prometheus); .ci/run installs it';

/**
 * What Prometheus sees: the real /metrics output of an app that served requests, a queue and an event
 * stream, checked with promtool; and the Prometheus config, alert rules and Grafana dashboard in
 * deploy/, checked with promtool and against the metric names /metrics exports.
 */
describe('metrics, Prometheus config, alerts and dashboard', () => {
  let t: TestApp;
  let metrics = '';
  let sseGauge = '';
  let perf = '';
  let dir = '';

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tmomi-metrics-'));
    t = await startTestApp(modes()[0]!);
    const { performanceId, eventId } = await onSalePerformance(t, {
      queue: { admitPerSecond: 10, maxActive: 10 },
    });
    perf = performanceId;
    const base = await t.app.listen({ port: 0, host: '127.0.0.1' });
    // One event that exists, two that do not (ids far beyond anything the shared test database holds).
    for (const id of [eventId, '9000000000001', '9000000000002']) await fetch(`${base}/api/events/${id}`);
    await fetch(`${base}/no/such/${Math.random()}`);
    const first = await buyer(t);
    await fetch(`${base}/api/performances/${performanceId}/queue`, {
      method: 'POST',
      headers: first.headers,
    });
    // A stream open while /metrics is read, so the connection gauge shows it.
    const second = await buyer(t);
    await fetch(`${base}/api/performances/${performanceId}/queue`, {
      method: 'POST',
      headers: second.headers,
    });
    const stream = readSse(
      `${base}/api/performances/${performanceId}/queue/events`,
      { authorization: second.headers.authorization },
      () => false,
      1_500,
    );
    await new Promise((r) => setTimeout(r, 300));
    const scrape = async () => (await fetch(`${base}/metrics`, { headers: METRICS_AUTH })).text();
    sseGauge = /^tmomi_sse_connections (\d+)$/m.exec(await scrape())?.[1] ?? '';
    await stream;
    // The ticker admits both buyers within a few of its 100 ms rounds (bounded wait).
    for (let i = 0; i < 50; i++) {
      metrics = await scrape();
      if (metrics.includes(`tmomi_queue_active_passes{performance="${perf}"} 2`)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
  });
  afterAll(async () => {
    await t.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('when requests were served, then RED metrics are labelled by route pattern, never by raw URL', () => {
    const routes = new Set(
      [...metrics.matchAll(/^tmomi_http_requests_total\{[^}]*route="([^"]*)"/gm)].map((m) => m[1]),
    );
    expect(routes).toContain('/api/events/:id');
    expect(routes).toContain('unmatched');
    expect([...routes].filter((r) => /\/\d|no\/such/.test(r!))).toEqual([]);
    expect(metrics).toMatch(
      /^tmomi_http_request_duration_seconds_count\{method="GET",route="\/api\/events\/:id",status_code="404"\} 2$/m,
    );
  });

  it('when a queue is open and a stream is connected, then the queue gauges, the stream count and the dependencies show', () => {
    expect(sseGauge).toBe('1');
    expect(metrics).toMatch(/^tmomi_sse_streams_total 1$/m);
    expect(metrics).toContain(`tmomi_queue_active_passes{performance="${perf}"} 2\n`);
    expect(metrics).toContain(`tmomi_queue_max_active{performance="${perf}"} 10\n`);
    expect(metrics).toContain(`tmomi_queue_admitted_total{performance="${perf}"} 2\n`);
    expect(metrics).toMatch(/^tmomi_admission_leader 1$/m);
    expect(metrics).toMatch(/^tmomi_dependency_up\{dependency="database"\} 1$/m);
    expect(metrics).toMatch(/^tmomi_dependency_up\{dependency="engine"\} 1$/m);
    expect(metrics).toMatch(/^tmomi_draining 0$/m);
  });

  it('when /metrics is read, then promtool check metrics finds nothing wrong', async (ctx) => {
    if (!promtool) return ctx.skip(NO_PROMTOOL);
    const file = join(dir, 'metrics.txt');
    await writeFile(file, metrics);
    const { stdout, stderr } = await run('sh', ['-c', `promtool check metrics < ${file}`]).catch(
      (err: { stdout: string; stderr: string }) => err,
    );
    expect(stdout + stderr).toBe('');
  });

  it('when deploy/prometheus.yml and deploy/alerts.yml are checked, then promtool accepts them and the alert tests pass', async (ctx) => {
    if (!promtool) return ctx.skip(NO_PROMTOOL);
    await run('promtool', ['check', 'config', '--syntax-only', 'deploy/prometheus.yml']);
    await run('promtool', ['check', 'rules', 'deploy/alerts.yml']);
    const tested = await run('promtool', ['test', 'rules', 'deploy/alerts.test.yml']);
    expect(tested.stdout).toContain('SUCCESS');
  });

  it('when the alerts and the dashboard query Tmomi metrics, then /metrics exports every one of them', async () => {
    const exported = new Set([...metrics.matchAll(/^# TYPE (\S+) (\w+)$/gm)].map((m) => m[1]));
    const dashboard = JSON.parse(await readFile('deploy/grafana/tmomi-sale.json', 'utf8')) as {
      panels: { targets?: { expr: string }[] }[];
    };
    const exprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
    expect(exprs.length).toBeGreaterThan(10);
    const alerts = await readFile('deploy/alerts.yml', 'utf8');
    const referenced = new Set(
      [...[...exprs, alerts].join('\n').matchAll(/(?<![\w"])((?:tmomi|nodejs|process)_[a-z0-9_]+)/g)].map(
        (m) => m[1]!.replace(/_(bucket|sum|count)$/, ''),
      ),
    );
    expect(referenced.size).toBeGreaterThan(8);
    expect([...referenced].filter((name) => !exported.has(name))).toEqual([]);
  });
});
