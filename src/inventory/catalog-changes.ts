import { CHANNELS } from '../engine/keys.js';
import type { PubSub } from '../engine/coordination/port.js';
import type { Logger } from '../platform/logger.js';

/** A catalog record an organizer changed: what nodes may have cached of it is stale. */
export interface CatalogChange {
  kind: 'performance' | 'event' | 'venue';
  id: string;
}

type Listener = (change: CatalogChange) => void;

const KINDS = new Set<string>(['performance', 'event', 'venue']);

/**
 * How a node tells every node (itself at once, the others over the engine's pub/sub) that a
 * performance, event or venue changed, so that the caches of its settings (PerformanceCache, the
 * admission ticker's list, public read caches) are dropped instead of aging out. PostgreSQL already
 * holds the change when this is called; a message lost on the way (pub/sub is at most once) only
 * leaves a node on its cache's TTL, which is why those TTLs stay short.
 */
export class CatalogChanges {
  private readonly listeners = new Set<Listener>();
  private unsubscribe: (() => Promise<void>) | undefined;

  constructor(private readonly deps: { engine: PubSub; logger: Logger }) {}

  /** Calls `listener` for every change, made here or on another node; returns the way to stop. */
  onChange(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Listens for the changes other nodes announce. */
  async start(): Promise<void> {
    this.unsubscribe = await this.deps.engine.subscribe(CHANNELS.catalog, (message) => {
      const at = message.indexOf(':');
      const kind = message.slice(0, at);
      if (at < 1 || !KINDS.has(kind)) return;
      this.dispatch({ kind: kind as CatalogChange['kind'], id: message.slice(at + 1) });
    });
  }

  async stop(): Promise<void> {
    await this.unsubscribe?.();
  }

  /** Announces a change on every node: this node's listeners hear at once, the others' soon after. */
  async notify(change: CatalogChange): Promise<void> {
    this.dispatch(change);
    await this.deps.engine
      .publish(CHANNELS.catalog, `${change.kind}:${change.id}`)
      .catch((err: unknown) => this.deps.logger.warn({ err, change }, 'could not announce a catalog change'));
  }

  /** The performance's settings changed (sale window, caps, queue settings, pause). */
  notifyPerformanceChanged(performanceId: string): Promise<void> {
    return this.notify({ kind: 'performance', id: performanceId });
  }

  private dispatch(change: CatalogChange): void {
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch (err) {
        this.deps.logger.error({ err, change }, 'a catalog change listener failed');
      }
    }
  }
}
