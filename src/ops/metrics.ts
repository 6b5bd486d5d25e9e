import { createHash, timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyError, type FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Registry } from 'prom-client';
import { Type } from 'typebox';
import { AppError, errorBody } from '../contract/errors.js';
import type { App } from '../platform/http.js';
import type { MetricsConfig } from '../platform/config.js';
import type { Logger } from '../platform/logger.js';

/**
 * Where /metrics goes (docs/decisions/017-metrics-and-docs-off-the-public-port.md): on the metrics
 * port alone when there is one — returned, for the process to listen with, and closed with `app`;
 * else on `app` behind the token; else nowhere.
 */
export function serveMetrics(
  app: App,
  opts: MetricsConfig & { registry: Registry; logger: Logger },
): App | undefined {
  const { registry, token, port, logger } = opts;
  if (port === undefined) {
    if (token !== undefined) metricsRoute(app, { registry, token });
    return undefined;
  }
  const server = createMetricsServer({ registry, token, logger });
  app.addHook('onClose', async () => server.close());
  return server;
}

export interface MetricsRouteOptions {
  registry: Registry;
  /** Unset: anyone who reaches the route reads it (only on the loopback metrics port; config.ts). */
  token: string | undefined;
}

const MetricsHeaders = Type.Object({ authorization: Type.Optional(Type.String()) });

/**
 * `GET /metrics` in Prometheus' text format. The series include revenue, orders and tickets sold, so
 * where a token is configured a scrape without `Authorization: Bearer <token>` gets 401
 * (docs/decisions/017-metrics-and-docs-off-the-public-port.md).
 */
export function metricsRoute(app: App, { registry, token }: MetricsRouteOptions): void {
  const allowed = token === undefined ? () => true : bearerCheck(token);
  app.get(
    '/metrics',
    {
      schema: { tags: ['ops'], summary: 'Prometheus metrics', hide: true, headers: MetricsHeaders },
      onRequest: (req, reply, done) => {
        if (allowed(req)) return done();
        void reply.header('www-authenticate', 'Bearer realm="metrics"');
        done(
          new AppError(
            'UNAUTHENTICATED',
            'Send the metrics token: Authorization: Bearer <TMOMI_METRICS_TOKEN>.',
          ),
        );
      },
    },
    async (_req, reply) => reply.type(registry.contentType).send(await registry.metrics()),
  );
}

/** Compares digests, so that neither the time taken nor a length mismatch tells how much was right. */
function bearerCheck(token: string): (req: FastifyRequest) => boolean {
  const digest = (text: string) => createHash('sha256').update(text).digest();
  const expected = digest(token);
  return (req) => {
    const match = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    return match !== null && timingSafeEqual(digest(match[1]!), expected);
  };
}

/**
 * The metrics port (TMOMI_METRICS_PORT): a server with `/metrics` alone, apart from the API, so that
 * the API's balancer, ingress and rate limits never see it and a network policy can let only
 * Prometheus in. Errors keep the API's shape.
 */
export function createMetricsServer(opts: MetricsRouteOptions & { logger: Logger }): App {
  const server = Fastify({
    loggerInstance: opts.logger,
    disableRequestLogging: true,
  }).withTypeProvider<TypeBoxTypeProvider>();
  metricsRoute(server, opts);
  server.setNotFoundHandler((req, reply) => {
    void reply
      .code(404)
      .send(errorBody('ROUTE_NOT_FOUND', `There is no ${req.method} ${req.url.split('?')[0]}.`));
  });
  server.setErrorHandler((err: FastifyError, req, reply) => {
    if (err instanceof AppError) return reply.code(err.status).send(errorBody(err.code, err.message));
    req.log.error({ err }, 'metrics scrape failed');
    return reply.code(500).send(errorBody('INTERNAL'));
  });
  return server;
}
