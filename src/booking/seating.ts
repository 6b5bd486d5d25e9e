import type { Clock } from '../platform/clock.js';
import type { CatalogRepository, PerformanceRow } from '../catalog/repository.js';
import type { PlannedRow } from '../contract/layout.js';
import { isFree } from '../contract/bitset.js';
import { SharedCache } from '../platform/shared-cache.js';

const TTL_MS = 5_000;
/**
 * Best-available spreads buyers over this many equally good runs, so a crowd does not all race for
 * one; four times as many on each further try, since whoever lost a race lost it to a crowd.
 */
const SPREAD = 8;

export interface SeatingRow extends PlannedRow {
  grade: string;
}

/** What booking needs to know about a performance's seats: grade and price per seat, rows in order. */
export class Seating {
  private readonly gradeBySeat: string[];

  constructor(
    readonly seatCount: number,
    readonly rows: SeatingRow[],
    readonly prices: ReadonlyMap<string, number>,
    readonly currency: string,
  ) {
    this.gradeBySeat = new Array<string>(seatCount);
    for (const row of rows) this.gradeBySeat.fill(row.grade, row.firstSeatNo, row.firstSeatNo + row.seats);
  }

  gradeOf(seatNo: number): string | undefined {
    return this.gradeBySeat[seatNo];
  }

  /** The total price of the seats; every seat's grade is priced (performance creation checks it). */
  amountOf(seatNos: readonly number[]): number {
    return seatNos.reduce((sum, seat) => sum + (this.prices.get(this.gradeOf(seat) ?? '') ?? 0), 0);
  }

  /**
   * Up to `quantity` available seats of `grade` (bit set in `available`): adjacent seats in one row if any
   * row has them — the runs nearest the centre of the front-most such rows, one picked at random among
   * the best few (more of them on a later `attempt`) — else the available seats nearest each other in
   * seat order. Null if too few remain.
   */
  bestAvailable(available: Uint8Array, grade: string, quantity: number, attempt = 1): number[] | null {
    const spread = SPREAD * 4 ** (attempt - 1);
    const runs: { start: number; offCentre: number }[] = [];
    const free: number[] = [];
    for (const row of this.rows) {
      if (row.grade !== grade) continue;
      let runStart = -1;
      for (let i = 0; i < row.seats; i++) {
        const seat = row.firstSeatNo + i;
        if (!isFree(available, seat)) {
          runStart = -1;
          continue;
        }
        free.push(seat);
        if (runStart < 0) runStart = i;
        if (i - runStart + 1 >= quantity) {
          const start = i - quantity + 1;
          runs.push({
            start: row.firstSeatNo + start,
            offCentre: Math.abs(start + quantity / 2 - row.seats / 2),
          });
        }
      }
      if (runs.length >= spread * 4) break;
    }
    if (runs.length > 0) {
      // Front rows come first already; within them prefer the centre.
      const best = runs
        .slice(0, spread * 4)
        .sort((a, b) => a.offCentre - b.offCentre)
        .slice(0, spread);
      const pick = best[Math.floor(Math.random() * best.length)]!;
      return Array.from({ length: quantity }, (_, i) => pick.start + i);
    }
    if (free.length < quantity) return null;
    let bestStart = 0;
    for (let i = 1; i + quantity <= free.length; i++) {
      if (free[i + quantity - 1]! - free[i]! < free[bestStart + quantity - 1]! - free[bestStart]!)
        bestStart = i;
    }
    return free.slice(bestStart, bestStart + quantity);
  }
}

/** Seating per performance, read at most every few seconds per node (prices can be edited). */
export class SeatingCache {
  private readonly cache: SharedCache<Seating>;

  constructor(
    private readonly catalog: CatalogRepository,
    clock: Clock,
  ) {
    this.cache = new SharedCache(TTL_MS, clock);
  }

  get(perf: PerformanceRow): Promise<Seating> {
    return this.cache.get(perf.id, () => this.load(perf));
  }

  private async load(perf: PerformanceRow): Promise<Seating> {
    const [venue, event, prices] = await Promise.all([
      this.catalog.findVenue(perf.venueId),
      this.catalog.findEvent(perf.eventId),
      this.catalog.pricesOf([perf.eventId]),
    ]);
    if (!venue || !event) throw new Error(`performance ${perf.id} has lost its venue or event`);
    const rows = venue.plan.sections.flatMap((s) => s.rows.map((r) => ({ ...r, grade: s.grade })));
    return new Seating(
      venue.seatCount,
      rows,
      new Map((prices.get(perf.eventId) ?? []).map((p) => [p.grade, p.amount])),
      event.currency,
    );
  }
}
