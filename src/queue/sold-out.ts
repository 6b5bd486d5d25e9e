import type { PerformanceRow } from '../inventory/performance.js';
import type { InventoryRepository } from '../inventory/repository.js';
import { freeSeats } from '../contract/bitset.js';
import type { Availability } from '../engine/availability/port.js';

const CHECK_EVERY_MS = 1_000;
/** How long the bitset's free seats are believed without PostgreSQL's word (see below). */
const TRUST_BITSET_MS = 5_000;

/**
 * Tells the admission ticker whether a performance is sold out: every ticket sold, none available and
 * none held. Held seats do not count as gone, since a hold that lapses or is released puts its seats
 * back on sale; once nothing is held, only a refund can bring a seat back, and the room then reopens.
 *
 * PostgreSQL decides, but is asked at most once a second per performance, and while the engine's
 * availability bitset shows a free seat only every 5 s. The bitset is flipped after each change
 * commits, so a node that dies in between leaves a seat shown free that is not: trusted for good, one
 * such seat keeps the room open after the last seat sold, and everyone still waiting is admitted only
 * to find nothing left (docs/incidents.md, "A sold-out room that kept admitting"). When
 * PostgreSQL says "sold out" while the bitset shows free seats, those seats are flipped to taken. After
 * that it is asked again only once the bitset's version moves (a release, an expiry or a refund flipped
 * a seat), so a sold-out room costs one engine read a second. The bitset is only read and flipped here,
 * never rebuilt: a rebuild while tickets are still being generated would store a partial one.
 */
export class SoldOutCheck {
  private readonly last = new Map<
    string,
    { at: number; askedAt: number; version: number; soldOut: boolean }
  >();

  private readonly engine: Availability;
  private readonly inventory: InventoryRepository;

  constructor({ engine, inventory }: { engine: Availability; inventory: InventoryRepository }) {
    this.engine = engine;
    this.inventory = inventory;
  }

  /** The verdict, or undefined when the last one is less than a second old (nothing to do). */
  async check(perf: PerformanceRow, now: number): Promise<boolean | undefined> {
    const last = this.last.get(perf.id);
    if (last && now - last.at < CHECK_EVERY_MS) return undefined;
    // Counted from the attempt, so that a failing database is not asked again at every tick.
    this.last.set(perf.id, { version: -1, soldOut: false, askedAt: -Infinity, ...last, at: now });
    const askedAt = last?.askedAt ?? -Infinity;
    const { version, bits } = await this.engine.availabilityRead(perf.id, now);
    const shownFree = bits?.some((byte) => byte !== 0) ?? false;
    if (last?.soldOut && last.version === version) return true;
    if (shownFree && now - askedAt < TRUST_BITSET_MS) {
      this.last.set(perf.id, { at: now, askedAt, version, soldOut: false });
      return false;
    }
    let soldOut = await this.inventory.isSoldOut(perf.id, perf.seatCount);
    let settled = version;
    if (soldOut && shownFree) {
      settled = await this.engine.availabilityFlip(perf.id, freeSeats(bits!), false, now);
      // A refund that committed meanwhile keeps the room open (its seat may show taken until the
      // bitset is next rebuilt: the price of not locking the check against every sale's writes).
      soldOut = await this.inventory.isSoldOut(perf.id, perf.seatCount);
    }
    this.last.set(perf.id, { at: now, askedAt: now, version: settled, soldOut });
    return soldOut;
  }
}
