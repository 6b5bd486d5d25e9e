import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buyer, modes, onSalePerformance, startTestApp, type TestApp } from '../../test/harness.js';
import { STREAMS_PER_BUYER } from './streams-per-buyer.js';

/** One open event stream as a client sees it: what arrived so far, and whether the server ended it. */
interface OpenStream {
  text: () => string;
  ended: () => boolean;
  close: () => void;
}

// Issue 16, item 13: one buyer held a hundred event streams open.
describe.each(modes())('event streams per buyer ($name)', (mode) => {
  let t: TestApp;
  let base = '';
  const opened: OpenStream[] = [];

  beforeAll(async () => {
    t = await startTestApp(mode);
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(t.app.server.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    for (const stream of opened) stream.close();
    await t.close();
  });

  /** Opens a stream and resolves once its first event arrived, by when the server has counted it. */
  const open = (url: string, token: string) =>
    new Promise<OpenStream>((resolve, reject) => {
      let text = '';
      let ended = false;
      const req = http.get(url, { headers: { cookie: `tmomi_session=${token}` } }, (res) => {
        expect(res.statusCode).toBe(200);
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
          if (text.includes('event: ')) resolve(stream);
        });
        res.on('end', () => (ended = true));
      });
      req.on('error', (err) => (ended ? undefined : reject(err)));
      const stream: OpenStream = { text: () => text, ended: () => ended, close: () => req.destroy() };
      opened.push(stream);
    });

  it(`when a buyer opens stream number ${STREAMS_PER_BUYER + 1}, then the oldest is ended with "replaced", and the others and other buyers' stay open`, async () => {
    // Sales open in ten minutes: the buyers wait in the pre-queue, where nothing ends a stream.
    const now = Date.now();
    const iso = (ms: number) => new Date(ms).toISOString();
    const { performanceId } = await onSalePerformance(t, {
      salesOpenAt: iso(now + 10 * 60_000),
      salesCloseAt: iso(now + 3_600_000),
      startsAt: iso(now + 7_200_000),
    });
    const [alice, bob] = [await buyer(t), await buyer(t)];
    for (const who of [alice, bob]) {
      const joined = await t.app.inject({
        method: 'POST',
        url: `/api/performances/${performanceId}/queue`,
        headers: who.headers,
      });
      expect(joined.json().state).toBe('prequeue');
    }
    const url = `${base}/api/performances/${performanceId}/queue/events`;
    const bobs: OpenStream[] = [];
    for (let i = 0; i < STREAMS_PER_BUYER; i++) bobs.push(await open(url, bob.token));
    const alices: OpenStream[] = [];
    for (let i = 0; i < STREAMS_PER_BUYER; i++) alices.push(await open(url, alice.token));
    expect(t.streams.size).toBe(2 * STREAMS_PER_BUYER);

    alices.push(await open(url, alice.token));
    const [oldest, ...rest] = alices;
    for (let i = 0; i < 50 && !oldest!.ended(); i++) await new Promise((r) => setTimeout(r, 20));
    expect(oldest!.ended()).toBe(true);
    expect(oldest!.text()).toMatch(/retry: 60000\nevent: replaced\ndata: \{\}\n\n$/);
    expect(t.streams.size).toBe(2 * STREAMS_PER_BUYER);
    expect([...rest, ...bobs].map((s) => s.ended())).toEqual(Array(2 * STREAMS_PER_BUYER).fill(false));
    for (const stream of [...rest, ...bobs]) expect(stream.text()).not.toContain('replaced');

    // Closed by its buyer, a stream frees its place: the next one displaces nobody.
    rest[0]!.close();
    for (let i = 0; i < 50 && t.streams.size > 2 * STREAMS_PER_BUYER - 1; i++)
      await new Promise((r) => setTimeout(r, 20));
    const next = await open(url, alice.token);
    await new Promise((r) => setTimeout(r, 100));
    expect([...rest.slice(1), next].map((s) => s.ended())).toEqual(Array(STREAMS_PER_BUYER).fill(false));
  });
});
