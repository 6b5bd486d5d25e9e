import type { CatalogRepository, PerformanceRow } from '../catalog/repository.js';
import type { Engine } from '../platform/engine/index.js';

const CHECK_EVERY_MS = 1_000;

/**
 * Tells the admission ticker whether a performance is sold out: every ticket sold, none available and
 * none held. Held seats do not count as gone, since a hold that lapses or is released puts its seats
 * back on sale; once nothing is held, only a refund can bring a seat back, and the room then reopens.
 *
 * PostgreSQL decides, but is asked at most once a second per performance, and not at all while the
 * engine's availability bitset shows a free seat (the sale is plainly not over). After PostgreSQL has
 * said "sold out" it is asked again only once the bitset's version moves (a release, an expiry or a
 * refund flipped a seat), so a sold-out room costs one engine read a second. The bitset is only read
 * here, never rebuilt: a rebuild while tickets are still being generated would store a partial one.
 */
export class SoldOutCheck {
  private readonly last = new Map<string, { at: number; version: number; soldOut: boolean }>();

  constructor(
    private readonly engine: Engine,
    private readonly catalog: CatalogRepository,
  ) {}

  /** The verdict, or undefined when the last one is less than a second old (nothing to do). */
  async check(perf: PerformanceRow, now: number): Promise<boolean | undefined> {
    const last = this.last.get(perf.id);
    if (last && now - last.at < CHECK_EVERY_MS) return undefined;
    // Counted from the attempt, so that a failing database is not asked again at every tick.
    this.last.set(perf.id, { version: -1, soldOut: false, ...last, at: now });
    const { version, bits } = await this.engine.availabilityRead(perf.id, now);
    let soldOut: boolean;
    if (bits?.some((byte) => byte !== 0)) soldOut = false;
    else if (last?.soldOut && last.version === version) soldOut = true;
    else soldOut = await this.catalog.isSoldOut(perf.id, perf.seatCount);
    this.last.set(perf.id, { at: now, version, soldOut });
    return soldOut;
  }
}
