import { bitsetBytes, setFree } from '../contract/bitset.js';
import { systemClock, type Clock } from '../platform/clock.js';
import { SharedCache } from '../platform/shared-cache.js';
import type { Availability as AvailabilityBits } from '../engine/availability/port.js';
import type { InventoryRepository } from './repository.js';

/** A rebuilt bitset lives this long in the engine; flips keep it current meanwhile. */
const BITSET_TTL_MS = 15 * 60_000;
/**
 * The public seat map is answered from the node's memory for this long (a herd reloading it costs no
 * engine call); flips made on this node replace it at once, other nodes' within this time.
 */
const SNAPSHOT_MS = 250;

/** The bitset as the public read answers it: its version (the ETag), its bits and the base64 made once. */
export interface AvailabilitySnapshot {
  version: number;
  bits: Uint8Array;
  available: string;
}

export interface Availability {
  version: number;
  bits: Buffer;
}

export interface AvailabilityServiceOptions {
  engine: AvailabilityBits;
  inventory: InventoryRepository;
  clock: Clock;
}

/**
 * The seat map's live layer: a bitset per performance in the engine, rebuilt from PostgreSQL when
 * missing (first read, after expiry, after a Redis wipe). Holds and sales flip bits after their
 * PostgreSQL change commits; the engine's versioning keeps a concurrent rebuild from undoing a flip.
 */
export class AvailabilityService {
  /** Flips waiting for the end of this tick, per performance, in call order. */
  private readonly pending = new Map<string, FlipRun[]>();
  private readonly flipped: ((performanceId: string) => void)[] = [];
  /** Aged in real time: a test's clock may stand still. */
  private readonly snapshots = new SharedCache<AvailabilitySnapshot>(SNAPSHOT_MS, systemClock);

  private readonly engine: AvailabilityBits;
  private readonly inventory: InventoryRepository;
  private readonly clock: Clock;

  constructor({ engine, inventory, clock }: AvailabilityServiceOptions) {
    this.engine = engine;
    this.inventory = inventory;
    this.clock = clock;
  }

  async read(performanceId: string, seatCount: number): Promise<Availability> {
    const stored = await this.engine.availabilityRead(performanceId, this.clock.now());
    if (stored.bits) return { version: stored.version, bits: stored.bits };
    const bits = Buffer.alloc(bitsetBytes(seatCount));
    for (const seat of await this.inventory.availableSeatNos(performanceId)) setFree(bits, seat, true);
    // Refused when a flip landed meanwhile: our picture may be older than that flip, so it is served
    // once under the old version (the client's next read sees the new one) but never cached.
    await this.engine.availabilityStore(performanceId, bits, stored.version, BITSET_TTL_MS);
    return { version: stored.version, bits };
  }

  /** The bitset for the public read: at most SNAPSHOT_MS old, and never older than this node's own flips. */
  snapshot(performanceId: string, seatCount: number): Promise<AvailabilitySnapshot> {
    return this.snapshots.get(performanceId, async () => {
      const { version, bits } = await this.read(performanceId, seatCount);
      return { version, bits, available: bits.toString('base64') };
    });
  }

  /** Told when this node's flips of a performance are in: whatever repeats its picture must drop it. */
  onFlipped(listener: (performanceId: string) => void): void {
    this.flipped.push(listener);
  }

  markTaken(performanceId: string, seatNos: readonly number[]): Promise<number> {
    return this.flip(performanceId, seatNos, false);
  }

  markFree(performanceId: string, seatNos: readonly number[]): Promise<number> {
    return this.flip(performanceId, seatNos, true);
  }

  /**
   * The flips asked for in one tick go to the engine together: the holds of one PostgreSQL batch all
   * commit at once and each flips its seats, so one engine call per performance serves them all
   * instead of one each. Per performance the flips keep their order (a release then a hold of the same
   * seat must end "taken"): only neighbours of the same direction are merged. Each caller still waits
   * for its own flip to be done.
   */
  private flip(performanceId: string, seatNos: readonly number[], available: boolean): Promise<number> {
    return new Promise((resolve, reject) => {
      if (this.pending.size === 0) process.nextTick(() => this.flush());
      let runs = this.pending.get(performanceId);
      if (!runs) this.pending.set(performanceId, (runs = []));
      let last = runs.at(-1);
      if (last?.available !== available) runs.push((last = { available, seatNos: [], waiters: [] }));
      last.seatNos.push(...seatNos);
      last.waiters.push({ resolve, reject });
    });
  }

  private flush(): void {
    const now = this.clock.now();
    for (const [performanceId, runs] of this.pending) {
      for (const { available, seatNos, waiters } of runs) {
        // Issued in order without waiting in between: the engine applies one connection's calls in order.
        this.engine.availabilityFlip(performanceId, seatNos, available, now).then(
          (version) => {
            // Dropped once the flip is in: a read before that would cache the old picture again.
            this.snapshots.delete(performanceId);
            for (const listener of this.flipped) listener(performanceId);
            waiters.forEach((w) => w.resolve(version));
          },
          (err: unknown) => waiters.forEach((w) => w.reject(err)),
        );
      }
    }
    this.pending.clear();
  }
}

interface FlipRun {
  available: boolean;
  seatNos: number[];
  waiters: { resolve: (version: number) => void; reject: (err: unknown) => void }[];
}
