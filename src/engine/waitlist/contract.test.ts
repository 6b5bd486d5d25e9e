import { afterAll, describe, expect, it, vi } from 'vitest';
import { closeEngines, engineAdapters, waitToExpiry } from '../../../test/engines.js';
import { TestClock } from '../../../test/harness.js';
import type { OfferMark } from './port.js';

afterAll(closeEngines);

let perfCounter = 0;
const newPerf = () => `wl${Date.now()}${++perfCounter}`;
const HOUR = 3600_000;
const offerOf = (holdId: string, expiresAt: number): OfferMark => ({
  holdId,
  seatNos: [4, 5],
  amount: 100_000,
  currency: 'KRW',
  expiresAt,
});

describe.each(engineAdapters())('waiting list marks contract: $name', (adapter) => {
  it('when a buyer waits and is then offered seats, then every node reads the mark, in the order asked, and none for others', async () => {
    const engine = await adapter.open();
    const other = await adapter.peer(engine);
    const perf = newPerf();
    const now = Date.now();
    expect(await engine.waitlistRead(perf, ['u1'], now)).toEqual([null]);
    expect(await engine.waitlistWaiting(perf, 'u1', now + HOUR, now)).toBe(true);
    expect(await other.waitlistRead(perf, ['u1', 'u2'], now)).toEqual([
      { state: 'waiting', until: now + HOUR },
      null,
    ]);
    const offer = offerOf('hold-a', now + HOUR / 6);
    await engine.waitlistOffered(perf, 'u1', offer);
    await engine.waitlistWaiting(perf, 'u2', now + HOUR, now);
    expect(await other.waitlistRead(perf, ['u2', 'u3', 'u1'], now)).toEqual([
      { state: 'waiting', until: now + HOUR },
      null,
      { state: 'offered', offer },
    ]);
    // Another performance's list is another list.
    expect(await engine.waitlistRead(newPerf(), ['u1'], now)).toEqual([null]);
    expect(await engine.waitlistRead(perf, [], now)).toEqual([]);
  });

  it('when a join writes its wait after an offer was written, then the offer stays: it is the newer news', async () => {
    const engine = await adapter.open();
    const perf = newPerf();
    const now = Date.now();
    const offer = offerOf('hold-b', now + HOUR);
    await engine.waitlistOffered(perf, 'u1', offer);
    expect(await engine.waitlistWaiting(perf, 'u1', now + 2 * HOUR, now)).toBe(false);
    expect(await engine.waitlistRead(perf, ['u1'], now)).toEqual([{ state: 'offered', offer }]);
    // A wait already written is not written again either (its instant stays), and an offer replaces it.
    await engine.waitlistWaiting(perf, 'u2', now + HOUR, now);
    expect(await engine.waitlistWaiting(perf, 'u2', now + 2 * HOUR, now)).toBe(false);
    expect(await engine.waitlistRead(perf, ['u2'], now)).toEqual([{ state: 'waiting', until: now + HOUR }]);
    // A mark past its instant by the caller's clock is no mark: a new wait takes its place.
    expect(await engine.waitlistWaiting(perf, 'u1', now + 3 * HOUR, now + HOUR)).toBe(true);
    expect(await engine.waitlistRead(perf, ['u1'], now + HOUR)).toEqual([
      { state: 'waiting', until: now + 3 * HOUR },
    ]);
    // A wait that would end before it starts is not written.
    expect(await engine.waitlistWaiting(perf, 'u3', now, now)).toBe(false);
    expect(await engine.waitlistRead(perf, ['u3'], now - 1)).toEqual([null]);
  });

  it('when an end arrives, then only the mark it names is removed: never a newer offer, nor a wait for an offer', async () => {
    const engine = await adapter.open();
    const perf = newPerf();
    const now = Date.now();
    const offer = offerOf('hold-new', now + HOUR);
    await engine.waitlistOffered(perf, 'u1', offer);
    expect(await engine.waitlistEnd(perf, 'u1', 'hold-old')).toBe(false);
    expect(await engine.waitlistEnd(perf, 'u1', null)).toBe(false);
    expect(await engine.waitlistRead(perf, ['u1'], now)).toEqual([{ state: 'offered', offer }]);
    expect(await engine.waitlistEnd(perf, 'u1', 'hold-new')).toBe(true);
    expect(await engine.waitlistRead(perf, ['u1'], now)).toEqual([null]);
    expect(await engine.waitlistEnd(perf, 'u1', 'hold-new')).toBe(false);

    await engine.waitlistWaiting(perf, 'u2', now + HOUR, now);
    expect(await engine.waitlistEnd(perf, 'u2', 'hold-new')).toBe(false);
    expect(await engine.waitlistEnd(perf, 'u2', null)).toBe(true);
    expect(await engine.waitlistRead(perf, ['u2'], now)).toEqual([null]);
    expect(await engine.waitlistEnd(perf, 'nobody', null)).toBe(false);
  });

  it('when an offer reaches its expiry, then it reads as none at that instant, and its key goes by itself', async () => {
    // Only the memory engine's sweep timer is faked; it reads the time from the test clock.
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    try {
      const clock = new TestClock();
      const engine = await adapter.open(clock);
      const perf = newPerf();
      const expiresAt = clock.now() + 1_000;
      const offer = offerOf('hold-c', expiresAt);
      const later = offerOf('hold-d', expiresAt + HOUR);
      await engine.waitlistOffered(perf, 'u1', offer);
      await engine.waitlistOffered(perf, 'u2', later);
      expect(await engine.waitlistRead(perf, ['u1'], expiresAt - 1)).toEqual([{ state: 'offered', offer }]);
      expect(await engine.waitlistRead(perf, ['u1'], expiresAt)).toEqual([null]);
      await waitToExpiry(adapter, clock, 1_000);
      vi.runOnlyPendingTimers(); // the memory engine's sweep, whatever its period
      // Read with a clock from before the expiry: only a mark that is really gone answers none.
      expect(await engine.waitlistRead(perf, ['u1', 'u2'], expiresAt - 1)).toEqual([
        null,
        { state: 'offered', offer: later },
      ]);
      // An offer written already past its expiry keeps nothing.
      await engine.waitlistOffered(perf, 'u3', offerOf('hold-e', clock.now() - 1));
      expect(await engine.waitlistRead(perf, ['u3'], 0)).toEqual([null]);
    } finally {
      vi.useRealTimers();
    }
  });

  it.skipIf(!adapter.keysWithoutExpiry)(
    'when buyers wait and are offered seats, then each of their keys expires by itself',
    async () => {
      const engine = await adapter.open();
      const perf = newPerf();
      const now = Date.now();
      await engine.waitlistWaiting(perf, 'u1', now + HOUR, now);
      await engine.waitlistWaiting(perf, 'u2', now + HOUR, now);
      await engine.waitlistOffered(perf, 'u2', offerOf('hold-f', now + HOUR));
      expect(await adapter.keysWithoutExpiry!(engine, perf)).toEqual([]);
    },
  );
});
