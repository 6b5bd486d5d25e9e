import type { PubSub } from '../engine/coordination/port.js';
import { CHANNELS } from '../engine/keys.js';
import type { Logger } from '../platform/logger.js';

export type CatalogKind = 'venue' | 'event' | 'performance';

/** Something the organizer created, edited or deleted. */
export interface CatalogChange {
  kind: CatalogKind;
  id: string;
}

const KINDS: ReadonlySet<string> = new Set<CatalogKind>(['venue', 'event', 'performance']);

/**
 * Tells every node that part of the catalog changed, so what nodes keep of it in memory (the public
 * reads, performance settings, seating) is dropped and read again once, rather than read from
 * PostgreSQL on every request or left stale for a TTL. The changing node's own caches hear it at once,
 * before its response (the organizer reads their own write); other nodes within the pub/sub's delay.
 * A message lost while a node was cut off from the engine is covered by each cache's own TTL.
 */
export class CatalogChanges {
  private readonly listeners: ((change: CatalogChange) => void)[] = [];
  private unsubscribe: (() => Promise<void>) | undefined;

  constructor(private readonly deps: { engine: PubSub; logger: Logger }) {}

  /** Listens for other nodes' changes. */
  async start(): Promise<void> {
    this.unsubscribe = await this.deps.engine.subscribe(CHANNELS.catalog, (message) => {
      const [kind, id] = message.split(':');
      if (kind && id && KINDS.has(kind)) this.emit({ kind: kind as CatalogKind, id });
    });
  }

  async stop(): Promise<void> {
    await this.unsubscribe?.();
  }

  onChange(listener: (change: CatalogChange) => void): void {
    this.listeners.push(listener);
  }

  /** Call after the change has committed: this node forgets at once, every other node soon. */
  async announce(kind: CatalogKind, id: string): Promise<void> {
    this.emit({ kind, id });
    await this.deps.engine
      .publish(CHANNELS.catalog, `${kind}:${id}`)
      .catch((err: unknown) =>
        this.deps.logger.warn({ err, kind, id }, 'could not announce a catalog change'),
      );
  }

  private emit(change: CatalogChange): void {
    for (const listener of this.listeners) {
      // One cache's failure must not keep the others stale.
      try {
        listener(change);
      } catch (err) {
        this.deps.logger.error({ err, change }, 'a catalog change listener failed');
      }
    }
  }
}
