import type { Clock } from '../platform/clock.js';
import type { PerformanceRow } from './performance.js';
import type { InventoryRepository } from './repository.js';
import type { PlannedRow } from '../contract/layout.js';
import { isFree, setFree } from '../contract/bitset.js';
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
  /** A standing area's places, as one row with no label (decision 033). */
  standing?: boolean;
}

/**
 * Where a seat is, in the words a ticket prints: section name, row label, seat number in its row; a
 * standing place only its area (no row, no seat).
 */
export interface SeatLabel {
  section: string;
  row: string;
  seat: string;
  grade: string;
  standing?: boolean;
}

/** A standing area: `capacity` places, seat numbers `firstSeatNo …`, any of them as good as another. */
export interface StandingArea {
  name: string;
  grade: string;
  firstSeatNo: number;
  capacity: number;
}

/** What the performance's tickets name besides the seat. */
export interface SeatingPlace {
  eventTitle: string;
  venueName: string;
  venueAddress: string;
}

export interface SeatingOptions {
  seatCount: number;
  /** Every row of the venue, in seat order (a standing area's places as one row). */
  rows: SeatingRow[];
  /** Seats never for sale: blocked in the layout, or by an organizer for this performance (as last read). */
  blocked?: Iterable<number>;
  /** Of those, the ones the venue's layout blocks at every performance, ascending. */
  layoutBlocked?: number[];
  /** Price by grade. */
  prices: ReadonlyMap<string, number>;
  currency: string;
  place: SeatingPlace;
}

/**
 * What booking needs to know about a performance's seats: grade, price and label per seat, rows in
 * order, its standing areas and blocked seats, and the event and venue its tickets name.
 */
export class Seating {
  readonly seatCount: number;
  readonly rows: SeatingRow[];
  readonly prices: ReadonlyMap<string, number>;
  readonly currency: string;
  readonly place: SeatingPlace;
  readonly layoutBlocked: readonly number[];
  private readonly rowBySeat: SeatingRow[];
  private readonly blocked: ReadonlySet<number>;
  /** Standing areas by their name as a buyer may type it (any case, spaces trimmed). */
  private readonly areas = new Map<string, StandingArea>();
  /** Grades with seats in rows: best-available by such a grade never hands out standing places. */
  private readonly seatedGrades = new Set<string>();

  constructor({ seatCount, rows, blocked, layoutBlocked, prices, currency, place }: SeatingOptions) {
    this.seatCount = seatCount;
    this.rows = rows;
    this.prices = prices;
    this.currency = currency;
    this.place = place;
    this.blocked = new Set(blocked);
    this.layoutBlocked = layoutBlocked ?? [];
    this.rowBySeat = new Array<SeatingRow>(seatCount);
    for (const row of rows) {
      this.rowBySeat.fill(row, row.firstSeatNo, row.firstSeatNo + row.seats);
      if (!row.standing) this.seatedGrades.add(row.grade);
      else {
        const area = {
          name: row.section,
          grade: row.grade,
          firstSeatNo: row.firstSeatNo,
          capacity: row.seats,
        };
        this.areas.set(areaKey(row.section), area);
      }
    }
  }

  /** The standing area of that name, if the venue has one. */
  area(name: string): StandingArea | undefined {
    return this.areas.get(areaKey(name));
  }

  /** Whether the grade has seats in rows (else it is sold standing only). */
  sellsSeats(grade: string): boolean {
    return this.seatedGrades.has(grade);
  }

  /** Whether the seat is never for sale at this performance (as this node last read it). */
  isBlocked(seatNo: number): boolean {
    return this.blocked.has(seatNo);
  }

  /** Shows the blocked seats taken in a copy of the bitset: a flip lost on the way never offers one. */
  strikeBlocked(available: Uint8Array): void {
    for (const seat of this.blocked) setFree(available, seat, false);
  }

  gradeOf(seatNo: number): string | undefined {
    return this.rowBySeat[seatNo]?.grade;
  }

  /** The seat's label; seats are numbered from 1 in their row, as the seats table numbers them. */
  labelOf(seatNo: number): SeatLabel | undefined {
    const row = this.rowBySeat[seatNo];
    if (!row) return undefined;
    if (row.standing) return { section: row.section, row: '', seat: '', grade: row.grade, standing: true };
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
    // A grade sold only standing: any places of its areas, the first area with enough.
    if (!this.sellsSeats(grade)) {
      for (const area of this.areas.values()) {
        const picked = area.grade === grade ? this.anyPlaces(available, area, quantity) : null;
        if (picked) return picked;
      }
      return null;
    }
    const spread = SPREAD * 4 ** (attempt - 1);
    const runs: { start: number; offCentre: number }[] = [];
    const free: number[] = [];
    for (const row of this.rows) {
      if (row.grade !== grade || row.standing) continue;
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

  /**
   * `quantity` places of a standing area free in `available`, picked at random among all its free
   * places (so that nodes picking at the same moment seldom pick the same ones); null if too few are
   * left. Empty bytes of the bitset are skipped eight places at a time.
   */
  anyPlaces(available: Uint8Array, area: StandingArea, quantity: number): number[] | null {
    const end = area.firstSeatNo + area.capacity;
    const free: number[] = [];
    for (let seat = area.firstSeatNo; seat < end; seat++) {
      if ((seat & 7) === 0 && available[seat >> 3] === 0 && seat + 8 <= end) {
        seat += 7;
        continue;
      }
      if (isFree(available, seat) && !this.blocked.has(seat)) free.push(seat);
    }
    if (free.length < quantity) return null;
    for (let i = 0; i < quantity; i++) {
      const j = i + Math.floor(Math.random() * (free.length - i));
      [free[i], free[j]] = [free[j]!, free[i]!];
    }
    return free.slice(0, quantity).sort((a, b) => a - b);
  }
}

const areaKey = (name: string) => name.trim().toLowerCase();

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
    const source = await this.inventory.seatingSource(perf);
    if (!source) throw new Error(`performance ${perf.id} has lost its venue or event`);
    const { plan } = source;
    const layoutBlocked = plan.sections
      .flatMap((s) => s.rows.flatMap((r) => (r.blocked ?? []).map((n) => r.firstSeatNo + n - 1)))
      .sort((a, b) => a - b);
    return new Seating({
      seatCount: source.seatCount,
      rows: [
        ...plan.sections.flatMap((s) => s.rows.map((r) => ({ ...r, grade: s.grade, section: s.name }))),
        ...(plan.standing ?? []).map((a) => ({
          label: '',
          seats: a.capacity,
          firstSeatNo: a.firstSeatNo,
          x: 0,
          y: 0,
          grade: a.grade,
          section: a.name,
          standing: true,
        })),
      ],
      blocked: [...layoutBlocked, ...source.blocked],
      layoutBlocked,
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
