import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { notModified } from './memory-replies.js';

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

/**
 * Answers a public read: 304 when the client has this version, else the bytes as they are (no
 * serialization per request). `cacheControl` lets a browser, a CDN or the balancer keep it. The 200
 * is also kept for a moment in the node's memory replies (memory-replies.ts), under `tag` when the
 * route drops it by name (e.g. a performance's availability when this node flips its seats).
 */
export function sendRepresentation(
  req: FastifyRequest,
  reply: FastifyReply,
  view: object,
  cacheControl: string,
  opts: { etag?: string; tag?: string } = {},
): FastifyReply {
  const rep = represent(view, reply, opts.etag);
  req.server.memoryReplies.remember(req.raw, req.routeOptions.url!, {
    tag: opts.tag ?? '',
    etag: rep.etag,
    body: rep.body,
    cacheControl,
  });
  void reply.header('etag', rep.etag).header('cache-control', cacheControl);
  // Nothing, not even `null`: a serialized null would announce a 4-byte body that a 304 never has,
  // and clients that trust Content-Length (wrk, some proxies) would wait for it.
  if (notModified(req.headers['if-none-match'], rep.etag)) return reply.code(304).send();
  return reply.header('content-type', 'application/json; charset=utf-8').send(rep.body);
}
