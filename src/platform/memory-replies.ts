import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Metrics } from './metrics.js';
import { API_HEADERS } from './security-headers.js';

/**
 * The public reads' last answers, given again before Fastify sees the request (decision 019).
 *
 * When a herd reloads one page, every request is the same URL and gets the same bytes: the route
 * answered it from memory already, but Fastify's routing, hooks, logger and reply still cost the node
 * twice what a bare Node server spends on a request. So each public read's answer (its bytes, ETag and
 * Cache-Control) is kept here for a moment, by exact URL, and the node's request handler answers a
 * repeat (200, or 304 to a matching If-None-Match) with it, with the headers Fastify would have sent.
 *
 * It is never staler than the route's own caches allow: an answer lives `REPLY_MS` at most (the
 * availability snapshot's own age limit), every catalog change drops all of them, and a performance's
 * seat flips on this node drop its availability (`forget`, by the tag the route gave). A request that
 * was already in Fastify when something was dropped does not store its answer, which may be older.
 * Anything unusual goes to Fastify: another method, a body, a cross-origin request (the CORS plugin
 * answers those), HTTP/2, a node that is closing (Fastify answers 503).
 */
export const REPLY_MS = 250;
const MAX_ENTRIES = 1_000;
/** What the node's handler stamps on a request it passes on: the drops seen so far. */
const SEEN = Symbol('memory replies generation');

interface Entry {
  until: number;
  etag: string;
  /** A string, not a Buffer: Node then sends the head and the body in one write, not a writev of two. */
  body: string;
  /** Flat header lists for writeHead; index 1 is the request id, set per answer. */
  ok: string[];
  notModified: string[];
  /** The metrics' series for this route and status, looked up once (prom-client hashes labels per call). */
  okCounted: Counted;
  notModifiedCounted: Counted;
}

interface Counted {
  requests: { inc(): void };
  duration: { observe(seconds: number): void };
}

type Stamped = IncomingMessage & { [SEEN]?: number };

const REQUEST_ID = /^[\w.:-]{1,128}$/;

/** The id of a request: the balancer's, when it sent a sane one, so one request can be followed across hops. */
export function requestIdOf(req: IncomingMessage): string {
  const incoming = req.headers['x-request-id'];
  return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
}

/** Whether the client already has `etag` (If-None-Match, a list or `*`). */
export function notModified(ifNoneMatch: string | undefined, etag: string): boolean {
  return (
    ifNoneMatch !== undefined &&
    ifNoneMatch.split(',').some((tag) => tag.trim() === etag || tag.trim() === '*')
  );
}

export class MemoryReplies {
  private readonly entries = new Map<string, Entry>();
  private readonly byTag = new Map<string, Set<string>>();
  /** Counts every drop; a request that entered before the last one may carry an older answer. */
  private generation = 0;
  private closing = false;

  constructor(private readonly opts: { metrics: Metrics; now?: () => number }) {}

  /**
   * The node's request handler calls this first: true when it answered. Otherwise the request is
   * stamped with the current generation and goes to Fastify.
   */
  answer(req: IncomingMessage, res: ServerResponse): boolean {
    const entry = req.method === 'GET' && !this.closing ? this.entries.get(req.url!) : undefined;
    if (
      !entry ||
      entry.until <= this.now() ||
      req.httpVersionMajor !== 1 ||
      req.headers.origin !== undefined ||
      req.headers['content-length'] !== undefined ||
      req.headers['transfer-encoding'] !== undefined
    ) {
      (req as Stamped)[SEEN] = this.generation;
      return false;
    }
    const started = this.now();
    const same = notModified(req.headers['if-none-match'], entry.etag);
    const headers = same ? entry.notModified : entry.ok;
    // Filled in and written at once: Node copies the list into the response head synchronously.
    headers[1] = requestIdOf(req);
    res.writeHead(same ? 304 : 200, headers);
    res.end(same ? undefined : entry.body);
    const counted = same ? entry.notModifiedCounted : entry.okCounted;
    counted.requests.inc();
    counted.duration.observe((this.now() - started) / 1000);
    return true;
  }

  /** Keeps a route's 200 answer for `url`, unless something was dropped since the request came in. */
  remember(
    req: IncomingMessage,
    route: string,
    answer: { tag: string; etag: string; body: string; cacheControl: string },
  ): void {
    if ((req as Stamped)[SEEN] !== this.generation || this.closing) return;
    const url = req.url!;
    if (!this.entries.has(url) && this.entries.size >= MAX_ENTRIES) this.clear();
    const { body } = answer;
    const validators = ['etag', answer.etag, 'cache-control', answer.cacheControl];
    const counted = (status: string): Counted => {
      const labels = { method: 'GET', route, status_code: status };
      const { httpRequests, httpDuration } = this.opts.metrics;
      return { requests: httpRequests.labels(labels), duration: httpDuration.labels(labels) };
    };
    const entry: Entry = {
      until: this.now() + REPLY_MS,
      etag: answer.etag,
      body,
      ok: [
        'x-request-id',
        '',
        ...Object.entries(API_HEADERS).flat(),
        ...validators,
        'content-type',
        'application/json; charset=utf-8',
        'content-length',
        String(Buffer.byteLength(body)),
      ],
      // What RFC 9110 (15.4.5) asks of a 304: the validators and caching headers a 200 would carry (and
      // no others: the client keeps its stored 200's). A third of the head the 200 writes.
      notModified: ['x-request-id', '', ...validators],
      okCounted: counted('200'),
      notModifiedCounted: counted('304'),
    };
    this.entries.set(url, entry);
    let urls = this.byTag.get(answer.tag);
    if (!urls) this.byTag.set(answer.tag, (urls = new Set()));
    urls.add(url);
  }

  /** Drops the answers the route tagged `tag` (e.g. a performance's availability after a seat flip). */
  forget(tag: string): void {
    this.generation++;
    for (const url of this.byTag.get(tag) ?? []) this.entries.delete(url);
    this.byTag.delete(tag);
  }

  /** Drops every answer (a catalog change: an event's edit shows in its performances' pages too). */
  clear(): void {
    this.generation++;
    this.entries.clear();
    this.byTag.clear();
  }

  /** From now on every request goes to Fastify, which answers 503 while the node closes. */
  close(): void {
    this.closing = true;
    this.clear();
  }

  private now(): number {
    return this.opts.now ? this.opts.now() : performance.now();
  }
}
