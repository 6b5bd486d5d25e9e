import Fastify, {
  LogController,
  type FastifyInstance,
  type RawReplyDefaultExpression,
  type RawRequestDefaultExpression,
  type RawServerDefault,
} from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import cookie from '@fastify/cookie';
import cors from '@fastify/cors';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { Ajv, type Options as AjvOptions } from 'ajv';
import addFormats from 'ajv-formats';
import type { TrustProxy } from './config.js';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';
import {
  createClientErrorHandler,
  createErrorHandler,
  createFrameworkErrorHandler,
} from './error-handler.js';
import { dualServer, type DualServer } from './h2c.js';
import { MemoryReplies, requestIdOf } from './memory-replies.js';
import { MAX_PARAM_LENGTH, RouteTable } from './route-table.js';
import { API_HEADERS, DOCUMENT_HEADERS, isApiUrl } from './security-headers.js';

export type App = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  Logger,
  TypeBoxTypeProvider
>;

export interface HttpOptions {
  logger: Logger;
  metrics: Metrics;
  bodyLimitBytes: number;
  trustProxy: TrustProxy;
  corsOrigins: string[];
  /** Whether the Swagger UI is served at /docs (TMOMI_DOCS); not unless said. */
  docs?: boolean;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The public reads' last answers, given again before routing (memory-replies.ts). */
    memoryReplies: MemoryReplies;
  }
}

/** The Fastify instance with everything every route relies on: validation, errors, ids, metrics, docs. */
export async function createHttpServer(opts: HttpOptions): Promise<App> {
  let dual: DualServer | undefined;
  const routes = new RouteTable();
  const replies = new MemoryReplies({ metrics: opts.metrics });
  const app = Fastify({
    // HTTP/1.1 and cleartext HTTP/2 on the same port, so a balancer can multiplex waiting buyers' event
    // streams instead of spending a socket on each (src/platform/h2c.ts).
    serverFactory: (handler) => {
      dual = dualServer((req, res) => replies.answer(req, res) || handler(req, res));
      return dual.server;
    },
    loggerInstance: opts.logger,
    bodyLimit: opts.bodyLimitBytes,
    trustProxy: opts.trustProxy,
    // Honour an id set by the load balancer so one request can be followed across hops.
    genReqId: requestIdOf,
    // Our own onResponse hook logs requests (failures at error, the rest at debug), with the route pattern.
    logController: new LogController({ requestIdLogLabel: 'reqId', disableRequestLogging: true }),
    return503OnClosing: true,
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    // What Fastify's router and Node's HTTP parser refuse is answered in the error shape too.
    frameworkErrors: createFrameworkErrorHandler(opts.metrics),
    clientErrorHandler: createClientErrorHandler(opts.logger),
  }).withTypeProvider<TypeBoxTypeProvider>();

  setValidators(app);
  app.decorate('memoryReplies', replies);
  // Before any route, the swagger plugin's own included: every route is known to the table.
  app.addHook('onRoute', routes.onRoute);
  // close() only ends the keep-alive connections that are idle at that moment; one whose request is
  // still running would stay open after it for the whole keep-alive timeout (72 s in Fastify), so a
  // node drained under load would outlive its shutdown guard. Close each as soon as it goes idle.
  let idleSweep: NodeJS.Timeout | undefined;
  app.addHook('preClose', async () => {
    replies.close();
    idleSweep = setInterval(() => app.server.closeIdleConnections(), 100);
    dual?.closeSessions();
  });
  app.addHook('onClose', async () => clearInterval(idleSweep));
  // The API speaks JSON only; a text body is a client mistake worth a clear 415, not a confusing 400.
  app.removeContentTypeParser('text/plain');
  // The security headers are constants made at boot (decision 007). Set on Fastify's reply, not on the
  // raw response, so Node writes the head in one go instead of re-validating every header one by one.
  app.addHook('onRequest', (req, reply, done) => {
    reply.header('x-request-id', req.id).headers(isApiUrl(req.url) ? API_HEADERS : DOCUMENT_HEADERS);
    done();
  });
  // Callback form, like the hook above: no promise per request.
  app.addHook('onResponse', (req, reply, done) => {
    const labels = {
      method: req.method,
      route: req.routeOptions.url ?? 'unmatched',
      status_code: String(reply.statusCode),
    };
    opts.metrics.httpRequests.inc(labels);
    opts.metrics.httpDuration.observe(labels, reply.elapsedTime / 1000);
    // A 500 is a bug, logged in full by the error handler; the other 5xx of the catalog (a payment
    // timeout, a dependency unavailable) are outcomes the service expected, logged there as warnings.
    if (reply.statusCode === 500)
      req.log.error({ res: reply, responseTime: reply.elapsedTime }, 'request failed');
    else req.log.debug({ req, res: reply, responseTime: reply.elapsedTime }, 'request completed');
    done();
  });

  // Same-origin by default (the web app is served by Tmomi itself); other origins only when listed.
  // Unlisted, the plugin is not registered at all: with `origin: false` it sends nothing either, but
  // still copies its options into a new object in a hook on every request. A preflight is then
  // refused by our not-found handler (a 405 on a known path), so the browser sends no cross-origin call.
  if (opts.corsOrigins.length > 0) await app.register(cors, { origin: opts.corsOrigins, credentials: true });
  await app.register(cookie);
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Tmomi API',
        version: '0.1.0',
        description:
          'Flash-sale ticketing. Errors are `{"error":{"code","message","details"}}`; see docs/errors.md.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    },
  });
  // A third party's scripts on the same origin as the session cookie: off unless asked for (decision
  // 017). The OpenAPI document below is inert JSON and stays.
  if (opts.docs === true) await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  app.setNotFoundHandler(routes.notFound);
  app.setErrorHandler(createErrorHandler(opts.metrics));
  return app;
}

/**
 * Bodies are validated strictly (a number where a string belongs is an error, not silently converted);
 * query strings, params and headers arrive as text, so there types are coerced.
 */
function setValidators(app: App): void {
  const base: AjvOptions = { allErrors: false, useDefaults: true, removeAdditional: false, strict: false };
  const strictAjv = addFormats.default(new Ajv({ ...base, coerceTypes: false }));
  const coercingAjv = addFormats.default(new Ajv({ ...base, coerceTypes: 'array' }));
  app.setValidatorCompiler(({ schema, httpPart }) =>
    httpPart === 'body' ? strictAjv.compile(schema) : coercingAjv.compile(schema),
  );
}

/** A preValidation hook: a request without a body is read as `{}`, for a route whose body is all optional. */
export async function emptyBody(req: { body: unknown }): Promise<void> {
  req.body ??= {};
}
