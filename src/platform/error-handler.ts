import http from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, ERRORS, errorBody, type ErrorBody, type ErrorCode } from '../contract/errors.js';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';
import { isOutage } from './outage.js';
import { API_HEADERS } from './security-headers.js';

/**
 * The one mapper at the edge: every error, whoever raised it (a service, a schema, Fastify's router and
 * body parsers, Node's HTTP parser), leaves as `{"error":{"code","message","details"}}` with a code from
 * the catalog. Anything not known to be the client's is a logged 500 that says nothing about why.
 */

/** Statuses that are security events: logged (within a budget) and counted. */
const SECURITY_STATUSES = new Set([401, 403, 429]);
/** At most this many security events are logged per window; the rest are counted and summed up. */
const SECURITY_LOG_BUDGET = { lines: 100, windowMs: 10_000 };
/** What a 503 UNAVAILABLE tells the client to wait: about a restart's or a failover's time. */
const OUTAGE_RETRY_AFTER_S = 5;

/** The handler for `app.setErrorHandler`. */
export function createErrorHandler(metrics: Metrics) {
  const securityLog = logBudget(SECURITY_LOG_BUDGET);
  const outageLog = logBudget(SECURITY_LOG_BUDGET);
  return (thrown: FastifyError, req: FastifyRequest, reply: FastifyReply): void => {
    // A dependency out of reach is no fault of the request: the same request works once it is back.
    const outage = isOutage(thrown);
    const err = outage
      ? (new AppError('UNAVAILABLE', undefined, { retryAfterSeconds: OUTAGE_RETRY_AFTER_S }) as FastifyError)
      : thrown;
    const { status, body } = toErrorResponse(err);
    if (SECURITY_STATUSES.has(status)) {
      metrics.securityEvents.inc({ code: body.error.code });
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
    if (outage)
      outageLog((suppressed) =>
        req.log.warn({ reason: thrown.message, suppressed }, 'request failed: a dependency is unreachable'),
      );
    else if (err instanceof AppError && status >= 500)
      req.log.warn({ details: err.details }, `request failed: ${err.code}`);
    else if (status >= 500) req.log.error({ err }, 'unhandled error');
    if (err instanceof AppError && typeof err.details?.retryAfterSeconds === 'number') {
      void reply.header('retry-after', String(err.details.retryAfterSeconds));
    }
    void reply.code(status).send(body);
  };
}

/**
 * For Fastify's `frameworkErrors`: errors its router meets before any route is chosen (a broken
 * percent-encoding, a parameter over the length limit). No hook runs for them, so the headers every
 * answer carries are set here, and they are counted here, so that a flood of them shows.
 */
export function createFrameworkErrorHandler(metrics: Metrics) {
  return (err: FastifyError, req: FastifyRequest, reply: FastifyReply): void => {
    const { status, body } = toErrorResponse(err);
    metrics.httpRequests.inc({ method: req.method, route: 'unmatched', status_code: String(status) });
    void reply.code(status).header('x-request-id', req.id).headers(API_HEADERS).send(body);
  };
}

/** Node's HTTP parser errors, by the `code` it gives them, and what each is in the catalog. */
const PARSER_ERRORS: Record<string, ErrorCode> = {
  HPE_HEADER_OVERFLOW: 'HEADERS_TOO_LARGE',
  ERR_HTTP_REQUEST_TIMEOUT: 'REQUEST_TIMEOUT',
  HPE_CHUNK_EXTENSIONS_OVERFLOW: 'PAYLOAD_TOO_LARGE',
};

/**
 * For Fastify's `clientErrorHandler` (the server's 'clientError' event): requests Node's HTTP parser
 * refuses — headers over its size limit, bytes that are not HTTP, a request too slow to arrive — never
 * become a request Fastify could answer, so the answer is written on the socket here, then the
 * connection is closed as Node itself does (the parser cannot go on after an error).
 */
export function createClientErrorHandler(logger: Logger) {
  return (err: NodeJS.ErrnoException, socket: Socket): void => {
    // A reset connection has nobody left to answer.
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    logger.debug({ code: err.code }, 'client error');
    if (!socket.writable) {
      socket.destroy();
      return;
    }
    // Half-closed once written, and destroyed only when the answer is out, so the client reads it.
    socket.end(rawAnswer(PARSER_ERRORS[err.code ?? ''] ?? 'MALFORMED_REQUEST'), () => socket.destroy());
  };
}

/** A whole HTTP/1.1 answer in the error shape, with the headers every API answer carries. */
function rawAnswer(code: ErrorCode): string {
  const { status } = ERRORS[code];
  const body = JSON.stringify(errorBody(code));
  const headers = {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(body)),
    connection: 'close',
    ...API_HEADERS,
  };
  const head = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`);
  return `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\n${head.join('')}\r\n${body}`;
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

/** Fastify's own errors that are the client's, and their codes in the catalog. */
const BY_FASTIFY_CODE: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'MALFORMED_JSON',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'MALFORMED_JSON',
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'VALIDATION_FAILED',
  FST_ERR_BAD_URL: 'MALFORMED_URL',
  FST_ERR_MAX_PARAM_LENGTH: 'URL_TOO_LONG',
};

/** For any other client error, the catalog's code for its status, so that code and status agree. */
const BY_STATUS: Partial<Record<number, ErrorCode>> = {
  408: 'REQUEST_TIMEOUT',
  413: 'PAYLOAD_TOO_LARGE',
  414: 'URL_TOO_LONG',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  431: 'HEADERS_TOO_LARGE',
};

export function toErrorResponse(err: FastifyError): { status: number; body: ErrorBody } {
  if (err instanceof AppError)
    return { status: err.status, body: errorBody(err.code, err.message, err.details) };
  if (err.validation) {
    const first = mostSpecific(err.validation);
    const param = (name: string) => (first?.params && name in first.params ? String(first.params[name]) : '');
    // A missing or an unexpected property is named itself, not the object that lacks or has it.
    const missing = param('missingProperty');
    const unexpected = param('additionalProperty');
    const path = [err.validationContext ?? 'body', ...(first?.instancePath ?? '').split('/').filter(Boolean)];
    if (missing || unexpected) path.push(missing || unexpected);
    const field = path.slice(1).join('.') || path[0];
    const problem = missing
      ? 'is required'
      : unexpected
        ? 'is not allowed'
        : (first?.message ?? 'is not valid');
    return {
      status: 400,
      body: errorBody('VALIDATION_FAILED', `${field} ${problem}.`, { field, in: path[0], problem }),
    };
  }
  const mapped = BY_FASTIFY_CODE[err.code];
  if (mapped) return { status: ERRORS[mapped].status, body: errorBody(mapped) };
  if (err instanceof SyntaxError && err.statusCode === 400)
    return { status: 400, body: errorBody('MALFORMED_JSON') };
  if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) {
    // Any other client error Fastify raises (a bad header …): keep its status.
    const code = BY_STATUS[err.statusCode] ?? 'VALIDATION_FAILED';
    return { status: err.statusCode, body: errorBody(code, err.message) };
  }
  return { status: 500, body: errorBody('INTERNAL') };
}

type ValidationIssue = NonNullable<FastifyError['validation']>[number];

/**
 * The complaint to report: the deepest one. A body checked against a union (a venue's rows as a count
 * or a list, a hold's three shapes) collects each branch's complaint, and the first is often the wrong
 * branch's ("rows must be integer" for a list whose second row has no seats); the deepest names the
 * part that is wrong. Without a union there is only one.
 */
function mostSpecific(issues: ValidationIssue[]): ValidationIssue | undefined {
  const depth = (i: ValidationIssue) =>
    i.keyword === 'anyOf' || i.keyword === 'oneOf'
      ? -1
      : i.instancePath.split('/').length + (i.params && 'missingProperty' in i.params ? 1 : 0);
  return issues.reduce<ValidationIssue | undefined>(
    (best, i) => (best && depth(best) >= depth(i) ? best : i),
    undefined,
  );
}
