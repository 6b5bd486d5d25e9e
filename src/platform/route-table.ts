import type { FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { ErrorResponse } from '../contract/common.js';
import { errorBody } from '../contract/errors.js';

/** Fastify's default, set here so that the not-found handler knows when the router refused a parameter. */
export const MAX_PARAM_LENGTH = 100;

/** Methods Fastify reads a body for (GET, HEAD and TRACE it never does). */
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'QUERY']);

/**
 * What the edge learns about the routes as they are registered (the `onRoute` hook): which methods each
 * path answers, so that an unknown one is told apart from a wrong method (405 with `Allow`) and from a
 * parameter the router refused as too long (414); and which errors the edge itself answers for each
 * operation, listed in its OpenAPI responses beside the route's own.
 */
export class RouteTable {
  private readonly routes: { pattern: RegExp; methods: Set<string> }[] = [];

  readonly onRoute = (route: RouteOptions): void => {
    documentEdgeErrors(route);
    // The web app's catch-all answers every GET; it says nothing about which methods a path has.
    if (route.url.includes('*')) return;
    const source = route.url
      .split('/')
      .map((segment) => segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:\w+/g, '[^/]+'))
      .join('/');
    let entry = this.routes.find((r) => r.pattern.source === `^${source}$`);
    if (!entry) this.routes.push((entry = { pattern: new RegExp(`^${source}$`), methods: new Set() }));
    for (const method of [route.method].flat()) entry.methods.add(method);
  };

  readonly notFound = (req: FastifyRequest, reply: FastifyReply): void => {
    const path = req.url.split('?')[0]!;
    const methods = new Set<string>();
    for (const { pattern, methods: answered } of this.routes)
      if (pattern.test(path)) for (const method of answered) methods.add(method);
    if (methods.has(req.method) && path.split('/').some((s) => s.length > MAX_PARAM_LENGTH)) {
      // The path has this method, so the router refused it for a parameter over its limit: on a GET the
      // web app's catch-all route takes such a path before Fastify's own 414 could be answered.
      void reply.code(414).send(errorBody('URL_TOO_LONG'));
    } else if (methods.size > 0 && !methods.has(req.method)) {
      const allow = [...methods].join(', ');
      void reply
        .code(405)
        .header('allow', allow)
        .send(errorBody('METHOD_NOT_ALLOWED', `${path} does not answer ${req.method}, only ${allow}.`));
    } else {
      void reply.code(404).send(errorBody('ROUTE_NOT_FOUND', `There is no ${req.method} ${path}.`));
    }
  };
}

/**
 * Adds to an operation's OpenAPI responses the errors the edge answers before its handler runs: 400
 * for a request its schemas refuse, 414 for a path parameter over the limit, and for a method with a
 * body 400 (broken JSON), 413 (too large) and 415 (not JSON). The route's own declarations win.
 */
function documentEdgeErrors(route: RouteOptions): void {
  const schema = route.schema ?? {};
  if ((schema as { hide?: boolean }).hide) return;
  const edge: Record<number, typeof ErrorResponse> = {};
  if (schema.body || schema.querystring || schema.params || schema.headers) edge[400] = ErrorResponse;
  if (route.url.includes(':')) edge[414] = ErrorResponse;
  if ([route.method].flat().some((m) => BODY_METHODS.has(m)))
    Object.assign(edge, { 400: ErrorResponse, 413: ErrorResponse, 415: ErrorResponse });
  if (Object.keys(edge).length === 0) return;
  route.schema = { ...schema, response: { ...edge, ...(schema.response as object | undefined) } };
}
