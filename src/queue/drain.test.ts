import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buyer, modes, onSalePerformance, startTestApp, type TestApp } from '../../test/harness.js';
import { readSse } from '../../test/sse.js';

describe.each(modes())('event streams while a node drains ($name)', (mode) => {
  let t: TestApp;
  let base = '';
  beforeAll(async () => {
    t = await startTestApp(mode);
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(t.app.server.address() as { port: number }).port}`;
  });
  afterAll(() => t.close());

  it('when the node drains, then open streams and streams asked for afterwards are told to reconnect and end', async () => {
    // A queue that admits nobody, so the streams would otherwise stay open.
    const { performanceId } = await onSalePerformance(t, { queue: { admitPerSecond: 1, maxActive: 1 } });
    const [first, waiting, late] = [await buyer(t), await buyer(t), await buyer(t)];
    for (const b of [first, waiting, late]) {
      await t.app.inject({
        method: 'POST',
        url: `/api/performances/${performanceId}/queue`,
        headers: b.headers,
      });
    }
    const url = `${base}/api/performances/${performanceId}/queue/events`;
    const open = readSse(url, waiting.headers, () => false, 10_000);
    await new Promise((r) => setTimeout(r, 300));
    t.streams.closeAll();
    const late_ = await readSse(url, late.headers, () => false, 10_000);
    const started = Date.now();
    const early = await open;
    for (const result of [early, late_]) {
      expect(result.status).toBe(200);
      expect(result.events.at(-1)?.event).toBe('reconnect');
    }
    // Ended by the server, not by the reader's timeout.
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
