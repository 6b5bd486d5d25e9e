import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** A view's bytes as the route's serializer writes them, and a strong ETag made from them. */
export interface Representation {
  etag: string;
  body: string;
}

const made = new WeakMap<object, Representation>();

/**
 * The representation of `view`, made once per view object (the public reads hand out the same object
 * while nothing it shows has changed: Memo). The ETag is a hash of the bytes, so every node gives the
 * same tag for the same content, and a client or cache sent to another node still gets its 304.
 */
function represent(view: object, reply: FastifyReply, etag?: string): Representation {
  const known = made.get(view);
  if (known) return known;
  // The route's serializer for 200 (fast-json-stringify from the response schema) gives a string.
  const body = reply.serialize(view) as string;
  const rep = {
    body,
    etag: etag ?? `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
  };
  made.set(view, rep);
  return rep;
}

/** Whether the client already has `etag` (If-None-Match, a list or `*`). */
export function notModified(ifNoneMatch: string | undefined, etag: string): boolean {
  return (
    ifNoneMatch !== undefined &&
    ifNoneMatch.split(',').some((tag) => tag.trim() === etag || tag.trim() === '*')
  );
}

/**
 * Answers a public read: 304 when the client has this version, else the bytes as they are (no
 * serialization per request). `cacheControl` lets a browser, a CDN or the balancer keep it.
 */
export function sendRepresentation(
  req: FastifyRequest,
  reply: FastifyReply,
  view: object,
  cacheControl: string,
  etag?: string,
): FastifyReply {
  const rep = represent(view, reply, etag);
  void reply.header('etag', rep.etag).header('cache-control', cacheControl);
  // Nothing, not even `null`: a serialized null would announce a 4-byte body that a 304 never has,
  // and clients that trust Content-Length (wrk, some proxies) would wait for it.
  if (notModified(req.headers['if-none-match'], rep.etag)) return reply.code(304).send();
  return reply.header('content-type', 'application/json; charset=utf-8').send(rep.body);
}
