import type { Clock } from '../platform/clock.js';
import type { PerformanceRow } from './performance.js';
import type { InventoryRepository } from './repository.js';
import type { PlannedRow } from '../contract/layout.js';
import { isFree } from '../contract/bitset.js';
import { SharedCache } from '../platform/shared-cache.js';
import type { CatalogChanges } from './catalog-changes.js';

/** Changes are announced (CatalogChanges); this bounds what a node that missed the message serves. */
const TTL_MS = 30_000;
/**
 * Best-available spreads buyers over this many equally good runs, so a crowd does not all race for
 * one; four times as many on each further try, since whoever lost a race lost it to a crowd.
 */
const SPREAD = 8;

export interface SeatingRow extends PlannedRow {
  grade: string;
  /** The section's name, as its tickets print it. */
  section: string;
}

/** Where a seat is, in the words a ticket prints: section name, row label, seat number in its row. */
export interface SeatLabel {
  section: string;
  row: string;
  seat: string;
  grade: string;
}

/** What the performance's tickets name besides the seat. */
export interface SeatingPlace {
  eventTitle: string;
  venueName: string;
  venueAddress: string;
}

export interface SeatingOptions {
  seatCount: number;
  /** Every row of the venue, in seat order. */
  rows: SeatingRow[];
  /** Price by grade. */
  prices: ReadonlyMap<string, number>;
  currency: string;
  place: SeatingPlace;
}

/**
 * What booking needs to know about a performance's seats: grade, price and label per seat, rows in
 * order, and the event and venue its tickets name.
 */
export class Seating {
  readonly seatCount: number;
  readonly rows: SeatingRow[];
  readonly prices: ReadonlyMap<string, number>;
  readonly currency: string;
  readonly place: SeatingPlace;
  private readonly rowBySeat: SeatingRow[];

  constructor({ seatCount, rows, prices, currency, place }: SeatingOptions) {
    this.seatCount = seatCount;
    this.rows = rows;
    this.prices = prices;
    this.currency = currency;
    this.place = place;
    this.rowBySeat = new Array<SeatingRow>(seatCount);
    for (const row of rows) this.rowBySeat.fill(row, row.firstSeatNo, row.firstSeatNo + row.seats);
  }

  gradeOf(seatNo: number): string | undefined {
    return this.rowBySeat[seatNo]?.grade;
  }

  /** The seat's label; seats are numbered from 1 in their row, as the seats table numbers them. */
  labelOf(seatNo: number): SeatLabel | undefined {
    const row = this.rowBySeat[seatNo];
    if (!row) return undefined;
    return {
      section: row.section,
      row: row.label,
      seat: String(seatNo - row.firstSeatNo + 1),
      grade: row.grade,
    };
  }

  /** A seat's price; every seat's grade is priced (performance creation checks it). */
  priceOf(seatNo: number): number {
    return this.prices.get(this.gradeOf(seatNo) ?? '') ?? 0;
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
  private readonly inventory: InventoryRepository;

  constructor({
    inventory,
    clock,
    changes,
  }: {
    inventory: InventoryRepository;
    clock: Clock;
    changes: CatalogChanges;
  }) {
    this.inventory = inventory;
    this.cache = new SharedCache(TTL_MS, clock);
    // A performance's seating comes from its venue and event: an edit of either may change any.
    changes.onChange(({ kind, id }) => (kind === 'performance' ? this.cache.delete(id) : this.cache.clear()));
  }

  get(perf: PerformanceRow): Promise<Seating> {
    return this.cache.get(perf.id, () => this.load(perf));
  }

  private async load(perf: PerformanceRow): Promise<Seating> {
    const source = await this.inventory.seatingSource(perf.venueId, perf.eventId);
    if (!source) throw new Error(`performance ${perf.id} has lost its venue or event`);
    return new Seating({
      seatCount: source.seatCount,
      rows: source.plan.sections.flatMap((s) =>
        s.rows.map((r) => ({ ...r, grade: s.grade, section: s.name })),
      ),
      prices: new Map(Object.entries(source.prices ?? {})),
      currency: source.currency,
      place: {
        eventTitle: source.eventTitle,
        venueName: source.venueName,
        venueAddress: source.venueAddress,
      },
    });
  }
}
