import type { Clock } from './clock.js';

/**
 * Values read at most once per `ttlMs` per key, for the settings the hot paths need on every request.
 * The requests that find an entry stale together share one read (not one each, every few seconds),
 * and a failed read is not remembered: the next request asks again.
 */
export class SharedCache<V> {
  /** `last`: the latest value a read gave, kept for stale readers while the next read runs. */
  private readonly entries = new Map<string, { value: Promise<V>; until: number; last?: { v: V } }>();

  /**
   * With `serveStale`, once a key has been read its last value is answered at once, while one new read
   * runs in the background when it is stale: for figures a page shows (counts), where a second's lag
   * beats a wait, and a failed read leaves the last good value. With `maxEntries`, the least recently
   * read keys are forgotten beyond that many (for keys a client chooses, such as search queries).
   */
  constructor(
    private readonly ttlMs: number,
    private readonly clock: Clock,
    private readonly opts: { serveStale?: boolean; maxEntries?: number } = {},
  ) {}

  get(key: string, read: () => Promise<V>): Promise<V> {
    const now = this.clock.now();
    const cached = this.entries.get(key);
    const stale = this.opts.serveStale ? cached?.last : undefined;
    if (cached && cached.until > now) return stale ? Promise.resolve(stale.v) : cached.value;
    const value = read();
    const entry: { value: Promise<V>; until: number; last?: { v: V } } = {
      value,
      until: now + this.ttlMs,
      last: cached?.last,
    };
    this.entries.delete(key); // re-inserted last: the Map's first entries are the oldest
    this.entries.set(key, entry);
    if (this.opts.maxEntries !== undefined && this.entries.size > this.opts.maxEntries)
      this.entries.delete(this.entries.keys().next().value!);
    value.then(
      (v) => (entry.last = { v }),
      () => {
        if (this.entries.get(key) !== entry) return;
        if (stale)
          entry.until = 0; // read again next time, answering the last value meanwhile
        else this.entries.delete(key);
      },
    );
    return stale ? Promise.resolve(stale.v) : value;
  }

  /** Forgets the key: its next get reads again. */
  delete(key: string): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }
}
