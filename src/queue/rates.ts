import type { Clock } from '../platform/clock.js';
import type { QueueStats, WaitingRoom } from '../engine/waiting-room/port.js';
import type { Availability } from '../engine/availability/port.js';
import type { PerformanceRow } from '../inventory/performance.js';
import { countFree } from '../contract/bitset.js';
import { observe, outlookOf, type Outlook, type QueueSample } from './eta.js';

/** What `record` ignores: an engine that could not be asked (not a number, so no sample is kept). */
const NO_STATS = { admittedTotal: Number.NaN, active: Number.NaN };

/** The ETA looks back this far: admissions per second over the last minute. */
const WINDOW_MS = 60_000;
const SAMPLE_EVERY_MS = 500;
/** The seats left are counted from the engine's availability bitset at most this often. */
const SEATS_EVERY_MS = 1_000;
/**
 * What this node keeps of a performance nobody asked it about for this long is dropped (its sale is
 * over, or its buyers are on other nodes), so a node that runs for months does not keep every sale's.
 * Looked for at most this often too.
 */
export const FORGET_AFTER_MS = 10 * 60_000;

/**
 * What each node observes of each queue it answers for, to estimate ETAs (src/queue/eta.ts): the
 * engine's admitted-total counter and active passes, sampled at most every SAMPLE_EVERY_MS over the
 * last WINDOW_MS, and the seats left, counted from the availability bitset the engine already keeps
 * (no PostgreSQL read). The counters are the engine's, so every node measures the cluster's admissions,
 * not its own.
 */
export class AdmissionRates {
  private readonly samples = new Map<string, QueueSample[]>();
  private readonly seats = new Map<string, { at: number; left: number | undefined }>();
  /** The outlook worked out from the latest sample, for every view until the next one. */
  private readonly outlooks = new Map<
    string,
    { sample: QueueSample | undefined; perf: PerformanceRow; outlook: Outlook }
  >();

  private readonly engine: WaitingRoom & Availability;
  private readonly clock: Clock;
  private forgotAt: number;

  constructor({ engine, clock }: { engine: WaitingRoom & Availability; clock: Clock }) {
    this.engine = engine;
    this.clock = clock;
    this.forgotAt = clock.now();
  }

  record(perf: string, stats: Pick<QueueStats, 'admittedTotal' | 'active'>): void {
    const now = this.clock.now();
    this.forgetIdle(now);
    const { admittedTotal, active } = stats;
    if (!Number.isFinite(admittedTotal) || !Number.isFinite(active)) return;
    let list = this.samples.get(perf) ?? [];
    const last = list.at(-1);
    if (last && now - last.at < SAMPLE_EVERY_MS) return;
    // A total below the last one is a counter that restarted (the engine's Redis was wiped or failed
    // over): what came before measures nothing now, and would make the rate — and every ETA — negative.
    if (last && (admittedTotal < last.admittedTotal || now < last.at)) list = [];
    list.push({ at: now, admittedTotal, active: Math.max(0, active) });
    while (list.length > 2 && now - list[0]!.at > WINDOW_MS) list.shift();
    this.samples.set(perf, list);
  }

  /**
   * Samples the engine if this node has no recent figure (polling clients on a node without streams).
   * Best effort: a join or poll the engine has already answered must not fail for an estimate, so an
   * engine error here leaves the last figures in place (the next call tries again).
   */
  async refresh(perf: Pick<PerformanceRow, 'id' | 'seatCount'>): Promise<void> {
    const now = this.clock.now();
    const last = this.samples.get(perf.id)?.at(-1);
    if (!last || now - last.at >= SAMPLE_EVERY_MS)
      this.record(perf.id, await this.engine.queueStats(perf.id, now).catch(() => NO_STATS));
    await this.refreshSeats(perf);
  }

  /**
   * Counts the seats the bitset shows available, at most once a second. Missing bitset (not rebuilt
   * since a wipe or expiry): unknown until the seat map's next read rebuilds it, never a PostgreSQL read
   * here, on the path every waiting buyer's poll takes.
   */
  async refreshSeats(perf: Pick<PerformanceRow, 'id' | 'seatCount'>): Promise<void> {
    const now = this.clock.now();
    this.forgetIdle(now);
    const last = this.seats.get(perf.id);
    if (last && now - last.at < SEATS_EVERY_MS && now >= last.at) return;
    this.seats.set(perf.id, { at: now, left: last?.left });
    // Best effort as above: on an engine error the last count stands until the next second's try.
    const read = await this.engine.availabilityRead(perf.id, now).catch(() => undefined);
    if (!read) return;
    this.seats.set(perf.id, { at: now, left: read.bits ? countFree(read.bits, perf.seatCount) : undefined });
  }

  /** Seats shown available, as last counted; undefined when unknown. */
  seatsLeft(perf: string): number | undefined {
    return this.seats.get(perf)?.left;
  }

  /** The queue's outlook, from what this node has observed and the performance's settings. */
  outlook(perf: PerformanceRow): Outlook {
    const list = this.samples.get(perf.id) ?? [];
    const sample = list.at(-1);
    // Asked once per stream at each move of the queue: compared by identity, nothing made per call.
    const cached = this.outlooks.get(perf.id);
    if (cached && cached.sample === sample && cached.perf === perf) {
      return cached.outlook;
    }
    const outlook = outlookOf(observe(list), perf);
    this.outlooks.set(perf.id, { sample, perf, outlook });
    return outlook;
  }

  /** Drops the performances whose newest sample and seat count are older than FORGET_AFTER_MS. */
  private forgetIdle(now: number): void {
    if (now - this.forgotAt < FORGET_AFTER_MS) return;
    this.forgotAt = now;
    for (const perf of new Set([...this.samples.keys(), ...this.seats.keys(), ...this.outlooks.keys()])) {
      const seen = Math.max(
        this.samples.get(perf)?.at(-1)?.at ?? -Infinity,
        this.seats.get(perf)?.at ?? -Infinity,
      );
      if (now - seen < FORGET_AFTER_MS) continue;
      this.samples.delete(perf);
      this.seats.delete(perf);
      this.outlooks.delete(perf);
    }
  }
}
