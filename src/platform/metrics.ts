import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * One registry per app instance (not prom-client's global one), so that two apps in one test process
 * never share or double-register metrics.
 */
export interface Metrics {
  registry: Registry;
  httpRequests: Counter<'method' | 'route' | 'status_code'>;
  httpDuration: Histogram<'method' | 'route' | 'status_code'>;
  /** Refusals an attacker makes (401, 403, 429), by error code: a bounded label, from the catalog. */
  securityEvents: Counter<'code'>;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  // These three are gauges named like counters, which `promtool check metrics` rejects; their
  // per-type siblings (`nodejs_active_handles{type}` …) remain and sum to the same figures.
  for (const name of [
    'nodejs_active_handles_total',
    'nodejs_active_requests_total',
    'nodejs_active_resources_total',
  ])
    registry.removeSingleMetric(name);
  // `route` is the route pattern (`/api/events/:id`), never the raw URL, so label values stay bounded.
  const labelNames = ['method', 'route', 'status_code'] as const;
  return {
    registry,
    httpRequests: new Counter({
      name: 'tmomi_http_requests_total',
      help: 'HTTP requests handled, by route pattern and status.',
      labelNames,
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'tmomi_http_request_duration_seconds',
      help: 'HTTP request latency, by route pattern and status.',
      labelNames,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    securityEvents: new Counter({
      name: 'tmomi_security_events_total',
      help: 'Requests refused as unauthenticated (401), forbidden (403) or rate-limited (429), by error code.',
      labelNames: ['code'],
      registers: [registry],
    }),
  };
}
