import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buyer, modes, onSalePerformance, startTestApp, type TestApp } from '../../test/harness.js';
import { readSse } from '../../test/sse.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The stalled queue: every pass under `maxActive` is out and nobody ahead finishes. The poll
 * and the stream must say `stalled` (no number) within 5 s, not an ETA that never moves — the bug
 * found trying it as a buyer: "4 s" for two minutes.
 */
describe.each(modes())('ETA on a stalled queue ($name)', (mode) => {
  let t: TestApp;
  let base: string;
  beforeAll(async () => {
    t = await startTestApp(mode);
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(t.app.server.address() as { port: number }).port}`;
  });
  afterAll(() => t.close());

  const join = (perf: string, headers: Record<string, string>) =>
    t.app.inject({ method: 'POST', url: `/api/performances/${perf}/queue`, headers });
  const me = async (perf: string, headers: Record<string, string>) =>
    (await t.app.inject({ method: 'GET', url: `/api/performances/${perf}/queue/me`, headers })).json();
  /** Polls every 200 ms until `done` says so or `ms` pass; the last view and when it came. */
  const pollUntil = async (
    perf: string,
    headers: Record<string, string>,
    done: (view: Record<string, unknown>) => boolean,
    ms: number,
  ) => {
    const started = Date.now();
    for (;;) {
      const view = await me(perf, headers);
      if (done(view) || Date.now() - started > ms) return { view, afterMs: Date.now() - started };
      await sleep(200);
    }
  };

  it('when admission sits at the maxActive cap, then the poll and the stream say stalled within 5 s, and moving again once a pass is used', async () => {
    const { performanceId } = await onSalePerformance(t, { queue: { admitPerSecond: 50, maxActive: 2 } });
    const holders = [await buyer(t), await buyer(t)];
    for (const h of holders) {
      await join(performanceId, h.headers);
      const { view } = await pollUntil(performanceId, h.headers, (v) => v.state === 'admitted', 5_000);
      expect(view.state).toBe('admitted');
    }
    // The cap is full from here on; two more wait behind it.
    const next = await buyer(t);
    const last = await buyer(t);
    const joined = (await join(performanceId, next.headers)).json();
    await join(performanceId, last.headers);
    expect(joined).toMatchObject({ state: 'waiting', position: 1 });
    expect(joined.etaState).not.toBe('stalled');

    // The poll and the stream start together; each must say stalled within 5 s.
    const started = Date.now();
    let streamSaidAfterMs = Infinity;
    const streamed = readSse(
      `${base}/api/performances/${performanceId}/queue/events`,
      { cookie: `tmomi_session=${last.token}` },
      (events) => {
        const said = events.some((e) => e.event === 'position' && e.data.etaState === 'stalled');
        if (said) streamSaidAfterMs = Date.now() - started;
        return said;
      },
      8_000,
    );
    const stalled = await pollUntil(performanceId, next.headers, (v) => v.etaState === 'stalled', 8_000);
    expect(stalled.view).toMatchObject({
      state: 'waiting',
      position: 1,
      etaSeconds: null,
      etaState: 'stalled',
    });
    const { events } = await streamed;
    console.log(
      `[eta stalled, ${mode.name}] poll said stalled after ${stalled.afterMs} ms, the stream after ${streamSaidAfterMs} ms`,
    );
    expect(stalled.afterMs).toBeLessThanOrEqual(5_000);
    expect(streamSaidAfterMs).toBeLessThanOrEqual(5_000);
    const said = events.find((e) => e.event === 'position' && e.data.etaState === 'stalled');
    expect(said?.data).toMatchObject({ position: 2, etaSeconds: null, etaState: 'stalled' });

    // A holder buys: the next is let in, the line moves, and the last one hears a number again.
    expect(await t.queue.consumePass(performanceId, holders[0]!.id, 1)).toBe(true);
    const moving = await pollUntil(
      performanceId,
      last.headers,
      (v) => v.position === 1 && v.etaState !== 'stalled',
      2_000,
    );
    expect(moving.view).toMatchObject({ state: 'waiting', position: 1 });
    expect(moving.view.etaState).not.toBe('stalled');
    expect(moving.view.etaSeconds).toEqual(expect.any(Number));
  });

  it('when a buyer waits, then the view counts the seats left against the line ahead, and warns when the line is three times the seats or more', async () => {
    // 4 seats; one buyer holds every pass, so the seven behind wait.
    const { performanceId } = await onSalePerformance(
      t,
      { queue: { admitPerSecond: 50, maxActive: 1 } },
      { rows: 1, seatsPerRow: 4 },
    );
    // The seat map's read builds the engine's bitset, as the first buyer to look at it would.
    expect((await t.app.inject({ url: `/api/performances/${performanceId}/availability` })).statusCode).toBe(
      200,
    );
    const buyers = [];
    for (let i = 0; i < 14; i++) buyers.push(await buyer(t));
    for (const b of buyers) await join(performanceId, b.headers);
    const views = [];
    for (const b of buyers) views.push(await me(performanceId, b.headers));
    const waiting = views.filter((v) => v.state === 'waiting');
    expect(waiting.length).toBeGreaterThanOrEqual(13);
    for (const v of waiting) {
      expect(v.seatsLeft).toBe(4);
      // Ahead of place p are p - 1: 12 or more ahead of 4 seats may see them run out first.
      expect(v.seatsMayRunOut).toBe(v.position - 1 >= 12);
    }
    expect(waiting.some((v) => v.seatsMayRunOut)).toBe(true);
  });
});
