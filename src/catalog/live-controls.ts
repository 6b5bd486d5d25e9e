import type { Clock } from '../platform/clock.js';
import { inTransaction, type Db, type DbClient } from '../platform/db.js';
import type { Logger } from '../platform/logger.js';
import { AppError } from '../contract/errors.js';
import type { PerformancePatch } from '../contract/catalog.js';
import type { WaitingRoom } from '../engine/waiting-room/port.js';
import type { CatalogChanges } from '../inventory/catalog-changes.js';
import { queueKeysUntil } from '../inventory/performance-cache.js';
import { saleStateOf, type PerformanceRow } from '../inventory/performance.js';
import type { JobRepository } from '../jobs/repository.js';
import type { PerformanceRepository } from './performance-repository.js';
import { toPerformance } from './views.js';

/** The job that refunds a cancelled performance's paid orders (run by booking, wired in app.ts). */
export const REFUND_CANCELLED = 'performance.refund-orders';

export interface LiveControlsOptions {
  db: Db;
  repository: PerformanceRepository;
  jobs: Pick<JobRepository, 'create'>;
  /** Told when a job was queued, so a node starts it now. */
  onJobQueued: () => void;
  engine: Pick<WaitingRoom, 'queuePause' | 'queueClose' | 'queueStats'>;
  changes: CatalogChanges;
  clock: Clock;
  logger: Logger;
}

/**
 * The settings a patch leaves: the patch over the current ones, then checked as a whole (a new window
 * must hold together with the start and the refund deadline, whichever part of it was sent).
 */
export function patched(current: PerformanceRow, patch: PerformancePatch, now: number): PerformanceRow {
  const next: PerformanceRow = {
    ...current,
    startsAt: patch.startsAt === undefined ? current.startsAt : new Date(patch.startsAt),
    salesOpenAt: patch.salesOpenAt === undefined ? current.salesOpenAt : new Date(patch.salesOpenAt),
    salesCloseAt: patch.salesCloseAt === undefined ? current.salesCloseAt : new Date(patch.salesCloseAt),
    refundUntil: patch.refundUntil === undefined ? current.refundUntil : new Date(patch.refundUntil),
    holdTtlSeconds: patch.holdTtlSeconds ?? current.holdTtlSeconds,
    maxTicketsPerUser: patch.maxTicketsPerUser ?? current.maxTicketsPerUser,
    queueEnabled: patch.queue?.enabled ?? current.queueEnabled,
    prequeueMinutes: patch.queue?.prequeueMinutes ?? current.prequeueMinutes,
    queueMode: patch.queue?.mode ?? current.queueMode,
    admitPerSecond: patch.queue?.admitPerSecond ?? current.admitPerSecond,
    maxActive: patch.queue?.maxActive ?? current.maxActive,
    passTtlSeconds: patch.queue?.passTtlSeconds ?? current.passTtlSeconds,
    waitlistClaimSeconds:
      patch.waitlistClaimMinutes === undefined
        ? current.waitlistClaimSeconds
        : patch.waitlistClaimMinutes * 60,
    challengeDifficulty: patch.queue?.challengeDifficulty ?? current.challengeDifficulty,
  };
  if (!(next.salesOpenAt < next.salesCloseAt && next.salesCloseAt <= next.startsAt)) {
    throw new AppError('INVALID_SALE_WINDOW', undefined, {
      salesOpenAt: next.salesOpenAt.toISOString(),
      salesCloseAt: next.salesCloseAt.toISOString(),
      startsAt: next.startsAt.toISOString(),
    });
  }
  // Once the waiting room (or, without one, the sale) has opened, someone may have joined or bought:
  // turning the room off would let later arrivals past those waiting, turning it on would strand
  // buyers mid-purchase without a pass, and moving its opening would change a rule people already
  // queued by. Until then nobody can have joined (joins before it are refused), so both are free.
  const queueChanged =
    next.queueEnabled !== current.queueEnabled ||
    next.prequeueMinutes !== current.prequeueMinutes ||
    next.queueMode !== current.queueMode;
  if (queueChanged && saleStateOf(current, now) !== 'scheduled') {
    throw new AppError('QUEUE_ALREADY_OPEN', undefined, {
      saleState: saleStateOf(current, now),
      opensAt: new Date(
        current.salesOpenAt.getTime() - (current.queueEnabled ? current.prequeueMinutes * 60_000 : 0),
      ).toISOString(),
    });
  }
  if (next.refundUntil > next.startsAt) {
    throw new AppError('INVALID_REFUND_DEADLINE', undefined, {
      refundUntil: next.refundUntil.toISOString(),
      startsAt: next.startsAt.toISOString(),
    });
  }
  return next;
}

/**
 * Live sale controls (issue 18): an organizer edits a performance on sale, or pauses and resumes its
 * admission. PostgreSQL takes each change under the performance's row lock; the engine, which every
 * node reads, follows; then every node is told (CatalogChanges) to drop what it cached, so the change
 * is obeyed everywhere at once rather than when caches age out (two seconds at most).
 *
 * What a change cannot break: seats held or sold stay so (nothing here touches tickets, holds or
 * orders), an admitted buyer keeps the pass they hold, waiting buyers keep their places.
 */
export class LiveControls {
  constructor(private readonly opts: LiveControlsOptions) {}

  async update(id: string, patch: PerformancePatch) {
    const { db, repository } = this.opts;
    const next = await inTransaction(db, async (client) => {
      const current = await lockLive(repository, client, id);
      const settings = patched(current, patch, this.opts.clock.now());
      await repository.updateSettings(client, settings);
      // The performance moves: its ticket holders are told (the mail worker reads this event).
      if (settings.startsAt.getTime() !== current.startsAt.getTime()) {
        await repository.publish(client, 'performance.changed', {
          performanceId: id,
          from: current.startsAt.toISOString(),
          to: settings.startsAt.toISOString(),
        });
      }
      return settings;
    });
    await this.followWindow(next);
    await this.opts.changes.announce('performance', id);
    return toPerformance(next, saleStateOf(next, this.opts.clock.now()));
  }

  /** Pauses (true) or resumes admission; idempotent. Pausing a sale that has ended is refused. */
  async setPaused(id: string, paused: boolean) {
    const { db, repository, engine, clock } = this.opts;
    const next = await inTransaction(db, async (client) => {
      const current = await lockLive(repository, client, id);
      if (!current.queueEnabled) throw new AppError('NO_WAITING_ROOM', undefined, { id });
      if (paused && clock.now() >= current.salesCloseAt.getTime()) {
        throw new AppError('SALE_ENDED', undefined, { id, salesCloseAt: current.salesCloseAt.toISOString() });
      }
      const settings = { ...current, queuePaused: paused };
      await repository.updateSettings(client, settings);
      // Under the row's lock, before the commit: two organizers' calls reach the engine in the order
      // PostgreSQL commits them, so the two never disagree. If the engine fails, nothing is kept.
      await engine.queuePause(id, paused, queueKeysUntil(settings));
      return settings;
    });
    await this.opts.changes.announce('performance', id);
    return toPerformance(next, saleStateOf(next, clock.now()));
  }

  /**
   * Cancels the performance: in one transaction its sale ends, a job to refund every paid order is
   * queued and the `performance.cancelled` event is written, so the refunds and the notices to every
   * ticket holder happen even if this node dies right after the commit. The waiting room closes, and
   * every node is told.
   */
  async cancel(id: string, reason: string) {
    const { db, repository, jobs, clock } = this.opts;
    const now = new Date(clock.now());
    const next = await inTransaction(db, async (client) => {
      const current = await lockLive(repository, client, id);
      await repository.cancel(client, id, now, reason);
      const total = await repository.paidOrders(client, id);
      await jobs.create(client, { kind: REFUND_CANCELLED, total, payload: { performanceId: id, reason } });
      await repository.publish(client, 'performance.cancelled', {
        performanceId: id,
        startsAt: current.startsAt.toISOString(),
        reason,
      });
      return (await repository.lockSettings(client, id))!;
    });
    this.opts.onJobQueued();
    await this.followWindow(next);
    await this.opts.changes.announce('performance', id);
    return toPerformance(next, saleStateOf(next, clock.now()));
  }

  /**
   * A window that now says the sale is over closes the waiting room in the engine, and one that opens
   * it again reopens a room closed that way (never one closed as sold out): every node's streams hear
   * at once, and joins are refused in the engine's own step. The clock says the same on every node
   * anyway (QueueService.view), so a failure here is logged, not answered: PostgreSQL has the change.
   */
  private async followWindow(perf: PerformanceRow): Promise<void> {
    if (!perf.queueEnabled) return;
    const { engine, clock, logger } = this.opts;
    const now = clock.now();
    const ended = now >= perf.salesCloseAt.getTime();
    try {
      const { closed } = await engine.queueStats(perf.id, now);
      if (ended && closed === null) await engine.queueClose(perf.id, 'sale-closed', queueKeysUntil(perf));
      if (!ended && closed === 'sale-closed') await engine.queueClose(perf.id, null, queueKeysUntil(perf));
    } catch (err) {
      logger.warn({ err, performanceId: perf.id }, 'waiting room did not follow the new sale window');
    }
  }
}

/** The performance's settings under its lock, for a live change: none once it is cancelled. */
async function lockLive(
  repository: PerformanceRepository,
  client: DbClient,
  id: string,
): Promise<PerformanceRow> {
  const current = await repository.lockSettings(client, id);
  if (!current) throw new AppError('PERFORMANCE_NOT_FOUND', undefined, { id });
  if (current.cancelledAt) {
    throw new AppError('PERFORMANCE_CANCELLED', undefined, {
      id,
      cancelledAt: current.cancelledAt.toISOString(),
    });
  }
  return current;
}
