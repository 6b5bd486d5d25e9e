import type { Clock } from './clock.js';

/**
 * Values read at most once per `ttlMs` per key, for the settings the hot paths need on every request.
 * The requests that find an entry stale together share one read (not one each, every few seconds),
 * and a failed read is not remembered: the next request asks again.
 */
export class SharedCache<V> {
  private readonly entries = new Map<string, { value: Promise<V>; until: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly clock: Clock,
  ) {}

  get(key: string, read: () => Promise<V>): Promise<V> {
    const now = this.clock.now();
    const cached = this.entries.get(key);
    if (cached && cached.until > now) return cached.value;
    const value = read();
    this.entries.set(key, { value, until: now + this.ttlMs });
    value.catch(() => {
      if (this.entries.get(key)?.value === value) this.entries.delete(key);
    });
    return value;
  }

  /** Forgets one key, or every key: the next get reads afresh. */
  delete(key?: string): void {
    if (key === undefined) this.entries.clear();
    else this.entries.delete(key);
  }
}
