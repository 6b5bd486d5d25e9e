import { describe, expect, it } from 'vitest';
import { TestClock } from '../../test/harness.js';
import { SharedCache } from './shared-cache.js';

/** A read the test resolves or fails by hand, counting how often it was asked. */
function reads() {
  const pending: { resolve: (v: number) => void; reject: (e: Error) => void }[] = [];
  return {
    pending,
    read: () => new Promise<number>((resolve, reject) => pending.push({ resolve, reject })),
  };
}

describe('SharedCache', () => {
  it('when many ask at once and within the ttl, then one read serves them; after it, one read again', async () => {
    const clock = new TestClock();
    const cache = new SharedCache<number>(1_000, clock);
    const r = reads();
    const first = [cache.get('k', r.read), cache.get('k', r.read)];
    expect(r.pending).toHaveLength(1);
    r.pending[0]!.resolve(1);
    expect(await Promise.all(first)).toEqual([1, 1]);
    clock.advance(999);
    expect(await cache.get('k', r.read)).toBe(1);
    clock.advance(1);
    const next = cache.get('k', r.read);
    expect(r.pending).toHaveLength(2);
    r.pending[1]!.resolve(2);
    expect(await next).toBe(2);
  });

  it('when a read fails, then it is not remembered', async () => {
    const cache = new SharedCache<number>(1_000, new TestClock());
    const r = reads();
    const failed = cache.get('k', r.read);
    r.pending[0]!.reject(new Error('down'));
    await expect(failed).rejects.toThrow('down');
    const again = cache.get('k', r.read);
    expect(r.pending).toHaveLength(2);
    r.pending[1]!.resolve(3);
    expect(await again).toBe(3);
  });

  it('when serving stale, then the last value is answered at once while one refresh runs, and kept when the refresh fails', async () => {
    const clock = new TestClock();
    const cache = new SharedCache<number>(1_000, clock, { serveStale: true });
    const r = reads();
    const first = cache.get('k', r.read);
    r.pending[0]!.resolve(1);
    expect(await first).toBe(1);
    clock.advance(1_000);
    // Stale: answered with 1 without waiting, by one refresh only.
    expect(await Promise.all([cache.get('k', r.read), cache.get('k', r.read)])).toEqual([1, 1]);
    expect(r.pending).toHaveLength(2);
    r.pending[1]!.reject(new Error('down'));
    await new Promise((resolve) => setImmediate(resolve));
    expect(await cache.get('k', r.read)).toBe(1); // still the last good value; another refresh started
    expect(r.pending).toHaveLength(3);
    r.pending[2]!.resolve(2);
    await new Promise((resolve) => setImmediate(resolve));
    expect(await cache.get('k', r.read)).toBe(2);
    // A deletion (a change was announced) drops the stale value too: the next get waits for a read.
    cache.delete('k');
    const fresh = cache.get('k', r.read);
    r.pending[3]!.resolve(9);
    expect(await fresh).toBe(9);
  });

  it('when more keys are read than maxEntries, then the least recently read are forgotten', async () => {
    const cache = new SharedCache<string>(60_000, new TestClock(), { maxEntries: 2 });
    let readsMade = 0;
    const read = (v: string) => () => (readsMade++, Promise.resolve(v));
    await cache.get('a', read('a'));
    await cache.get('b', read('b'));
    await cache.get('c', read('c')); // forgets a
    expect(readsMade).toBe(3);
    await cache.get('b', read('b'));
    await cache.get('c', read('c'));
    expect(readsMade).toBe(3);
    await cache.get('a', read('a'));
    expect(readsMade).toBe(4);
  });
});
