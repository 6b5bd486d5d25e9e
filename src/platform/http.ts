import { randomUUID } from 'node:crypto';
import Fastify, {
  LogController,
  type FastifyError,
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
import { AppError, ERRORS, errorBody, type ErrorCode } from '../contract/errors.js';
import type { TrustProxy } from './config.js';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';
import { dualServer, type DualServer } from './h2c.js';
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

const REQUEST_ID = /^[\w.:-]{1,128}$/;
/** Statuses that are security events: logged (within a budget) and counted. */
const SECURITY_STATUSES = new Set([401, 403, 429]);
/** At most this many security events are logged per window; the rest are counted and summed up. */
const SECURITY_LOG_BUDGET = { lines: 100, windowMs: 10_000 };

/** The Fastify instance with everything every route relies on: validation, errors, ids, metrics, docs. */
export async function createHttpServer(opts: HttpOptions): Promise<App> {
  let dual: DualServer | undefined;
  const app = Fastify({
    // HTTP/1.1 and cleartext HTTP/2 on the same port, so a balancer can multiplex waiting buyers' event
    // streams instead of spending a socket on each (src/platform/h2c.ts).
    serverFactory: (handler) => {
      dual = dualServer(handler);
      return dual.server;
    },
    loggerInstance: opts.logger,
    bodyLimit: opts.bodyLimitBytes,
    trustProxy: opts.trustProxy,
    // Honour an id set by the load balancer so one request can be followed across hops.
    genReqId: (req) => {
      const incoming = req.headers['x-request-id'];
      return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    },
    // Our own onResponse hook logs requests (failures at error, the rest at debug), with the route pattern.
    logController: new LogController({ requestIdLogLabel: 'reqId', disableRequestLogging: true }),
    return503OnClosing: true,
  }).withTypeProvider<TypeBoxTypeProvider>();

  setValidators(app);
  // close() only ends the keep-alive connections that are idle at that moment; one whose request is
  // still running would stay open after it for the whole keep-alive timeout (72 s in Fastify), so a
  // node drained under load would outlive its shutdown guard. Close each as soon as it goes idle.
  let idleSweep: NodeJS.Timeout | undefined;
  app.addHook('preClose', async () => {
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
  // still copies its options into a new object in a hook on every request. A preflight is then a
  // 404 from our not-found handler, as the plugin's own OPTIONS route answers when disabled.
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
  // 015). The OpenAPI document below is inert JSON and stays.
  if (opts.docs === true) await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  app.setNotFoundHandler((req, reply) => {
    void reply
      .code(404)
      .send(errorBody('ROUTE_NOT_FOUND', `There is no ${req.method} ${req.url.split('?')[0]}.`));
  });
  const securityLog = logBudget(SECURITY_LOG_BUDGET);
  app.setErrorHandler((err: FastifyError, req, reply) => {
    const { status, body } = toErrorResponse(err);
    if (SECURITY_STATUSES.has(status)) {
      opts.metrics.securityEvents.inc({ code: body.error.code });
      // The account when the token was good (a 403, a 429), the address always, never the token.
      const userId = (req as { caller?: { userId?: string } | null }).caller?.userId;
      securityLog((suppressed) =>
        req.log.warn(
          {
            route: req.routeOptions.url ?? 'unmatched',
            method: req.method,
            code: body.error.code,
            ip: req.ip,
            userId,
            suppressed,
          },
          `security event: ${body.error.code}`,
        ),
      );
    }
    if (err instanceof AppError && status >= 500)
      req.log.warn({ details: err.details }, `request failed: ${err.code}`);
    else if (status >= 500) req.log.error({ err }, 'unhandled error');
    if (err instanceof AppError && typeof err.details?.retryAfterSeconds === 'number') {
      void reply.header('retry-after', String(err.details.retryAfterSeconds));
    }
    void reply.code(status).send(body);
  });
  return app;
}

/**
 * Calls `log` at most `lines` times per window, so that a flood of refusals cannot fill the disk; the
 * first line of the next window says how many were left out (`suppressed`).
 */
function logBudget({ lines, windowMs }: { lines: number; windowMs: number }) {
  let windowStart = 0;
  let logged = 0;
  let suppressed = 0;
  return (log: (suppressed: number | undefined) => void): void => {
    const now = Date.now();
    if (now - windowStart >= windowMs) {
      windowStart = now;
      logged = 0;
    }
    if (logged >= lines) {
      suppressed++;
      return;
    }
    logged++;
    log(suppressed > 0 ? suppressed : undefined);
    suppressed = 0;
  };
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

function toErrorResponse(err: FastifyError): { status: number; body: ReturnType<typeof errorBody> } {
  if (err instanceof AppError)
    return { status: err.status, body: errorBody(err.code, err.message, err.details) };
  if (err.validation) {
    const first = err.validation[0];
    const missing =
      first?.params && 'missingProperty' in first.params ? String(first.params.missingProperty) : '';
    const path = [err.validationContext ?? 'body', ...(first?.instancePath ?? '').split('/').filter(Boolean)];
    if (missing) path.push(missing);
    const field = path.slice(1).join('.') || path[0];
    const problem = missing ? 'is required' : (first?.message ?? 'is not valid');
    return {
      status: 400,
      body: errorBody('VALIDATION_FAILED', `${field} ${problem}.`, { field, in: path[0], problem }),
    };
  }
  const byFastifyCode: Record<string, ErrorCode> = {
    FST_ERR_CTP_INVALID_JSON_BODY: 'MALFORMED_JSON',
    FST_ERR_CTP_EMPTY_JSON_BODY: 'MALFORMED_JSON',
    FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
    FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
    FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'VALIDATION_FAILED',
  };
  const mapped = byFastifyCode[err.code];
  if (mapped) return { status: ERRORS[mapped].status, body: errorBody(mapped) };
  if (err instanceof SyntaxError && err.statusCode === 400)
    return { status: 400, body: errorBody('MALFORMED_JSON') };
  if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) {
    // Any other client error Fastify raises (bad header, bad URL encoding …): keep its status.
    return { status: err.statusCode, body: errorBody('VALIDATION_FAILED', err.message) };
  }
  return { status: 500, body: errorBody('INTERNAL') };
}
