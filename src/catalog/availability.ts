import type { Clock } from '../platform/clock.js';
import type { Engine } from '../platform/engine/index.js';
import type { CatalogRepository } from './repository.js';

/** A rebuilt bitset lives this long in the engine; flips keep it current meanwhile. */
const BITSET_TTL_MS = 15 * 60_000;

export interface Availability {
  version: number;
  bits: Buffer;
}

/**
 * The seat map's live layer: a bitset per performance in the engine, rebuilt from PostgreSQL when
 * missing (first read, after expiry, after a Redis wipe). Holds and sales flip bits after their
 * PostgreSQL change commits; the engine's versioning keeps a concurrent rebuild from undoing a flip.
 */
export class AvailabilityService {
  constructor(
    private readonly engine: Engine,
    private readonly catalog: CatalogRepository,
    private readonly clock: Clock,
  ) {}

  async read(performanceId: string, seatCount: number): Promise<Availability> {
    const stored = await this.engine.availabilityRead(performanceId, this.clock.now());
    if (stored.bits) return { version: stored.version, bits: stored.bits };
    const bits = Buffer.alloc(Math.ceil(seatCount / 8));
    for (const seat of await this.catalog.availableSeatNos(performanceId))
      bits[seat >> 3]! |= 1 << (seat & 7);
    // Refused when a flip landed meanwhile: our picture may be older than that flip, so it is served
    // once under the old version (the client's next read sees the new one) but never cached.
    await this.engine.availabilityStore(performanceId, bits, stored.version, BITSET_TTL_MS);
    return { version: stored.version, bits };
  }

  markTaken(performanceId: string, seatNos: readonly number[]): Promise<number> {
    return this.engine.availabilityFlip(performanceId, seatNos, false, this.clock.now());
  }

  markFree(performanceId: string, seatNos: readonly number[]): Promise<number> {
    return this.engine.availabilityFlip(performanceId, seatNos, true, this.clock.now());
  }
}
