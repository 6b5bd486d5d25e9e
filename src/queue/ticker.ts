import type { Clock } from '../platform/clock.js';
import type { Availability } from '../engine/availability/port.js';
import type { Counters } from '../engine/coordination/port.js';
import { queueAdmittedInKey } from '../engine/keys.js';
import type { QueueStats, WaitingRoom } from '../engine/waiting-room/port.js';
import type { LeaderElector } from '../engine/coordination/leader.js';
import type { Logger } from '../platform/logger.js';
import { BackgroundLoop } from '../engine/coordination/loop.js';
import type { PerformanceRow } from '../inventory/performance.js';
import type { FunnelCounts, InventoryRepository } from '../inventory/repository.js';
import type { QueueMetrics } from './metrics.js';
import type { TurnNotices } from './turn-notices.js';
import { queueKeysUntil } from '../inventory/performance-cache.js';
import { SoldOutCheck } from './sold-out.js';
import type { LotteryService } from './lottery.js';
import type { QueueRestorer } from './record/restorer.js';

export const TICK_MS = 100;
const REFRESH_PERFORMANCES_MS = 2_000;
/** An entry not seen (stream open, poll, keepalive) for this long is skipped when its turn comes. */
export const STALE_AFTER_MS = 60_000;
/** How often at most a queue's funnel counters are copied to PostgreSQL while they move. */
export const FUNNEL_COPY_MS = 5_000;

export interface AdmissionTickerOptions {
  engine: WaitingRoom & Counters & Availability;
  inventory: InventoryRepository;
  /** Admission happens only while this node holds the lease. */
  leader: LeaderElector;
  clock: Clock;
  metrics: QueueMetrics;
  logger: Logger;
  /** Told of each admission, to mail the waiters who are not watching. */
  turns?: Pick<TurnNotices, 'admitted'>;
  /**
   * Makes the draw at each room's opening, before anyone is admitted: a lottery's registrants
   * (decision 029), a fifo room's pre-queue (decision 031). Without it (tests), nobody is placed
   * from a pre-queue.
   */
  draws?: Pick<LotteryService, 'drawIfDue'>;
  /** Rebuilds a room the engine lost from PostgreSQL's record (decision 038); none when it is off. */
  restorer?: QueueRestorer;
}

/**
 * Lets people in. Runs on every node but acts only on the one holding the leader lease, so admission
 * happens exactly once per tick across the cluster. Within each wall-clock second it admits at most
 * `admitPerSecond`, spread over the second rather than in one burst, counted in the engine so that a
 * new leader taking over mid-second continues the same count.
 */
export class AdmissionTicker {
  private performances: PerformanceRow[] = [];
  private refreshedAt = 0;
  /** A performance changed since the list was read (CatalogChanges): read it again next round. */
  private stale = true;
  private readonly loop: BackgroundLoop;
  private readonly soldOut: SoldOutCheck;
  /** Per performance: when its funnel counters were last copied to PostgreSQL, and what they were. */
  private readonly funnelCopied = new Map<string, { at: number; counts: string }>();

  private readonly engine: WaitingRoom & Counters & Availability;
  private readonly inventory: InventoryRepository;
  private readonly leader: LeaderElector;
  private readonly clock: Clock;
  private readonly metrics: QueueMetrics;
  private readonly logger: Logger;
  private readonly turns: Pick<TurnNotices, 'admitted'> | undefined;
  private readonly draws: Pick<LotteryService, 'drawIfDue'> | undefined;
  private readonly restorer: QueueRestorer | undefined;

  constructor(opts: AdmissionTickerOptions) {
    const { engine, inventory, leader, clock, metrics, logger, turns, draws } = opts;
    this.restorer = opts.restorer;
    this.turns = turns;
    this.draws = draws;
    this.engine = engine;
    this.inventory = inventory;
    this.leader = leader;
    this.clock = clock;
    this.metrics = metrics;
    this.logger = logger;
    this.soldOut = new SoldOutCheck({ engine, inventory });
    // A round still running when the timer fires is not queued behind: the next one comes soon enough.
    this.loop = new BackgroundLoop({
      everyMs: TICK_MS,
      leader,
      pass: () => this.runRound(),
      whileFollowing: () => this.stopReporting(),
      failure: { message: 'admission tick failed', level: 'warn' },
      logger,
    });
  }

  start(): void {
    this.loop.start();
  }

  async stop(): Promise<void> {
    await this.loop.stop();
  }

  /**
   * An organizer changed a performance (its rate, ceiling, window, pause): the next round reads the
   * list again instead of at its usual two seconds, so the change is obeyed within a tick.
   */
  refreshSoon(): void {
    this.stale = true;
  }

  /**
   * One round over every open waiting room, started after any round already under way has ended (so
   * that it sees what happened before the call); public so tests can drive it.
   */
  async tick(): Promise<void> {
    await this.loop.runNow();
  }

  /**
   * Only the leader reads the queues' figures; a node that stopped leading must not keep reporting its
   * last ones, or a sum over nodes would count them twice.
   */
  private stopReporting(): void {
    this.metrics.leader.set(0);
    this.metrics.waiting.reset();
    this.metrics.activePasses.reset();
    this.metrics.maxActive.reset();
  }

  /**
   * A waiting room that closed stops being reported: its gauges would otherwise say forever what they
   * said last, and a node that runs for months would carry a series for every sale it ever ran. Its
   * counters stay (a counter that vanishes and returns reads as a reset, which rate() absorbs).
   */
  private forgetClosed(before: PerformanceRow[]): void {
    const open = new Set(this.performances.map((p) => p.id));
    for (const { id } of before) {
      if (open.has(id)) continue;
      // One last copy: the counts since the last one (up to FUNNEL_COPY_MS of them) would be lost.
      this.funnelCopied.delete(id);
      void this.engine
        .queueStats(id, this.clock.now())
        .then((stats) => this.copyFunnel(id, stats, this.clock.now()))
        .then(() => this.funnelCopied.delete(id))
        .catch((err: unknown) => this.logger.warn({ err, performanceId: id }, 'funnel counts not copied'));
      for (const gauge of [this.metrics.waiting, this.metrics.activePasses, this.metrics.maxActive])
        gauge.remove({ performance: id });
    }
  }

  private async runRound(): Promise<void> {
    this.metrics.leader.set(1);
    const now = this.clock.now();
    if (this.stale || now - this.refreshedAt >= REFRESH_PERFORMANCES_MS) {
      // Cleared before the read: a change announced while it runs marks the list stale again.
      this.stale = false;
      const before = this.performances;
      this.performances = await this.inventory.activeQueues();
      this.forgetClosed(before);
      this.refreshedAt = now;
      // A failed read keeps the last one: admission does not wait on the record.
      await this.restorer
        ?.refresh(
          this.performances.map((p) => p.id),
          now,
        )
        .catch((err: unknown) => this.logger.warn({ err }, 'waiting room record not read'));
      await this.restorePauses();
    }
    for (const perf of this.performances) {
      if (!this.leader.isLeader) break;
      // Before admitting: a queue the engine lost must get its line back before anyone is let in, and a
      // failed check or restore skips the room's admission this round (as a failed draw does).
      let stats: QueueStats | undefined;
      try {
        stats = await this.restorer?.check(perf, this.clock.now(), this.clock.now() - STALE_AFTER_MS);
      } catch (err) {
        this.logger.warn({ err, performanceId: perf.id }, 'waiting room restore failed');
        continue;
      }
      await this.admit(perf, this.clock.now(), stats);
    }
  }

  /**
   * PostgreSQL holds the organizer's pause; the engine holds it where every node reads it. A queue
   * whose engine state has no pause of its own (a wiped or failed-over Redis) gets PostgreSQL's back;
   * one that has is left alone, since the organizer's own call wrote it after PostgreSQL, under the
   * row's lock, and a read of ours from before that must not undo it.
   */
  private async restorePauses(): Promise<void> {
    for (const perf of this.performances) {
      if (await this.engine.queuePause(perf.id, perf.queuePaused, queueKeysUntil(perf), true)) {
        this.logger.info({ performanceId: perf.id, paused: perf.queuePaused }, 'waiting room pause restored');
      }
    }
  }

  /** `before`: the room's stats read this round before admitting (the restorer's), reused for the gauges. */
  private async admit(perf: PerformanceRow, now: number, before?: QueueStats): Promise<void> {
    if (now < perf.salesOpenAt.getTime() || now >= perf.salesCloseAt.getTime()) return;
    const until = queueKeysUntil(perf);
    // The drawn go first (a lottery's registrants, a fifo room's pre-queue), in the drawn order: nobody
    // is admitted until they are placed (a failure here skips this room's admission this round, and
    // the draw is tried again next round; the engine admits nobody ahead of a sealed pre-queue anyway).
    try {
      await this.draws?.drawIfDue(perf, now);
    } catch (err) {
      this.logger.warn({ err, performanceId: perf.id }, 'opening draw failed');
      return;
    }
    // A sold-out room is closed in the engine, so that every node's streams and polls say so and the
    // engine admits nobody; it reopens if a refund puts a seat back.
    const soldOut = await this.soldOut.check(perf, now).catch((err: unknown) => {
      // Admission goes on meanwhile: the database decides every seat anyway.
      this.logger.warn({ err, performanceId: perf.id }, 'sold-out check failed');
      return undefined;
    });
    if (
      soldOut !== undefined &&
      (await this.engine.queueClose(perf.id, soldOut ? 'sold-out' : null, until))
    ) {
      this.logger.info(
        { performanceId: perf.id, soldOut },
        soldOut ? 'waiting room closed: sold out' : 'waiting room reopened',
      );
    }
    const second = Math.floor(now / 1000);
    const counter = queueAdmittedInKey(perf.id, second);
    const already = await this.engine.getCounter(counter);
    // The share of this second's allowance that is due by the end of this tick.
    const due = Math.min(
      perf.admitPerSecond,
      Math.ceil((perf.admitPerSecond * ((now % 1000) + TICK_MS)) / 1000),
    );
    const max = due - already;
    if (max > 0) {
      const { admitted, skipped } = await this.engine.queueAdmit(perf.id, {
        max,
        maxActive: perf.maxActive,
        now,
        staleBefore: now - STALE_AFTER_MS,
        passTtlMs: perf.passTtlSeconds * 1000,
        until,
      });
      if (admitted.length > 0) {
        await this.engine.incr(counter, admitted.length, 5_000);
        this.metrics.admitted.inc({ performance: perf.id }, admitted.length);
        // Mail never slows admission: a failure to queue the notices is logged, and admission goes on.
        this.turns
          ?.admitted(perf.id, admitted)
          .catch((err: unknown) =>
            this.logger.warn({ err, performanceId: perf.id }, 'turn notices not queued'),
          );
      }
      if (skipped > 0) this.metrics.skipped.inc({ performance: perf.id }, skipped);
      // Kept for the post-sale report, past the engine's state. A report figure, not a sale's: not
      // waited for (rounds' counts add up in any order, and admission never waits on it), and a
      // failure is logged (that round's count is then missing from the report).
      if (admitted.length > 0 || skipped > 0)
        void this.inventory
          .addAdmissions(perf.id, admitted.length, skipped)
          .catch((err: unknown) =>
            this.logger.warn({ err, performanceId: perf.id }, 'admissions not added to the funnel'),
          );
    }
    // The stats the restorer read before this tick's admissions, when it read them: the gauges and the
    // funnel's copy then lag by one tick, and the leader reads each room's stats once a tick, not twice.
    const stats = before ?? (await this.engine.queueStats(perf.id, now));
    this.metrics.waiting.set({ performance: perf.id }, stats.waiting);
    this.metrics.activePasses.set({ performance: perf.id }, stats.active);
    this.metrics.maxActive.set({ performance: perf.id }, perf.maxActive);
    this.copyFunnel(perf.id, stats, now);
  }

  /**
   * The engine forgets a queue a day after its sale; the report's funnel should not. Its counters are
   * copied to PostgreSQL when they moved, at most every FUNNEL_COPY_MS (one upsert, not a write per
   * tick under a flash crowd): the copy lags the engine by that much at most, and the report reads the
   * engine while it still has them. Not waited for, and a failure is logged, as addAdmissions.
   */
  private copyFunnel(performanceId: string, stats: FunnelCounts, now: number): void {
    const counts = [stats.joined, stats.prequeued, stats.left, stats.passesExpired].join();
    const last = this.funnelCopied.get(performanceId);
    if (last && (last.counts === counts || now - last.at < FUNNEL_COPY_MS)) return;
    this.funnelCopied.set(performanceId, { at: now, counts });
    const { joined, prequeued, left, passesExpired } = stats;
    void this.inventory
      .keepFunnelCounts(performanceId, { joined, prequeued, left, passesExpired })
      .catch((err: unknown) => {
        // Copied again next time: forgetting what was sent makes the counts differ from it.
        this.funnelCopied.delete(performanceId);
        this.logger.warn({ err, performanceId }, 'funnel counts not copied');
      });
  }
}
