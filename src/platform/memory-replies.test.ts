import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { MemoryReplies, REPLY_MS } from './memory-replies.js';
import { createMetrics } from './metrics.js';

/** A request as Node's parser makes it, with only what the memory replies read. */
const request = (url: string, headers: Record<string, string> = {}, method = 'GET') =>
  ({ method, url, headers, httpVersionMajor: 1 }) as unknown as IncomingMessage;

/** A response that records what was written. */
function response() {
  const written: { status?: number; headers?: string[]; body?: string } = {};
  const res = {
    writeHead: (status: number, headers: string[]) =>
      Object.assign(written, { status, headers: [...headers] }),
    end: (body?: string) => (written.body = body),
  } as unknown as ServerResponse;
  return { res, written };
}

describe('memory replies', () => {
  let now = 0;
  const setup = () => {
    now = 1_000;
    return new MemoryReplies({ metrics: createMetrics(), now: () => now });
  };
  const answer = {
    tag: 'availability:1',
    etag: '"7"',
    body: '{"version":7}',
    cacheControl: 'public, max-age=1',
  };
  /** A request that went to Fastify (stamped by `answer`), whose route then remembers its answer. */
  const routed = (replies: MemoryReplies, url: string) => {
    const req = request(url);
    expect(replies.answer(req, response().res)).toBe(false);
    return req;
  };

  it('when a remembered read is asked again, then it is answered with its bytes, or 304 for its ETag, until REPLY_MS have passed', () => {
    const replies = setup();
    replies.remember(routed(replies, '/a'), '/a', answer);
    const ok = response();
    expect(replies.answer(request('/a'), ok.res)).toBe(true);
    expect(ok.written.status).toBe(200);
    expect(ok.written.body).toBe('{"version":7}');
    expect(ok.written.headers).toEqual(expect.arrayContaining(['etag', '"7"', 'content-length', '13']));
    const same = response();
    expect(replies.answer(request('/a', { 'if-none-match': 'W/"x", "7"' }), same.res)).toBe(true);
    expect([same.written.status, same.written.body]).toEqual([304, undefined]);
    expect(same.written.headers).not.toContain('content-length');
    now += REPLY_MS;
    expect(replies.answer(request('/a'), response().res)).toBe(false);
  });

  it('when something is dropped while a request is in Fastify, then that request does not store its (maybe older) answer', () => {
    const replies = setup();
    const before = routed(replies, '/a');
    replies.forget('availability:1');
    replies.remember(before, '/a', answer);
    expect(replies.answer(request('/a'), response().res)).toBe(false);
    const early = routed(replies, '/b');
    replies.clear();
    replies.remember(early, '/b', answer);
    expect(replies.answer(request('/b'), response().res)).toBe(false);
    // Injected requests (tests, never the network) were not stamped: never stored.
    replies.remember(request('/c'), '/c', answer);
    expect(replies.answer(request('/c'), response().res)).toBe(false);
  });

  it('when a tag is forgotten, then only its answers go, and a closing node answers nothing', () => {
    const replies = setup();
    replies.remember(routed(replies, '/a'), '/a', answer);
    replies.remember(routed(replies, '/b'), '/b', { ...answer, tag: 'availability:2' });
    replies.forget('availability:1');
    expect(replies.answer(request('/a'), response().res)).toBe(false);
    expect(replies.answer(request('/b'), response().res)).toBe(true);
    replies.close();
    expect(replies.answer(request('/b'), response().res)).toBe(false);
  });

  it('when the request is not a plain GET, then Fastify answers it', () => {
    const replies = setup();
    replies.remember(routed(replies, '/a'), '/a', answer);
    for (const req of [
      request('/a', {}, 'HEAD'),
      request('/a', { origin: 'https://elsewhere.example' }),
      request('/a', { 'content-length': '2' }),
      request('/a', { 'transfer-encoding': 'chunked' }),
      { ...request('/a'), httpVersionMajor: 2 } as IncomingMessage,
    ])
      expect(replies.answer(req, response().res)).toBe(false);
  });
});
