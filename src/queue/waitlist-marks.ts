import type { PubSub } from '../engine/coordination/port.js';
import { CHANNELS } from '../engine/keys.js';
import type { OfferMark, Waitlist, WaitlistMark } from '../engine/waitlist/port.js';
import type { Clock } from '../platform/clock.js';
import type { Logger } from '../platform/logger.js';

export interface WaitlistMarksOptions {
  engine: Waitlist & PubSub;
  clock: Clock;
  logger: Logger;
}

/** A buyer whose mark changed, as the channel's message names them. */
export interface MarkChange {
  performanceId: string;
  userId: string;
}

/**
 * The waiting list as the queue's poll and stream show it (decision 028). Booking keeps the list in
 * PostgreSQL and tells this after each change commits — a buyer joined or left, was offered seats, an
 * offer ended —; it writes the buyer's mark in the engine and, when an offer came or went, says so on
 * the engine's `waitlist` channel, so that whichever node holds the buyer's stream reads the mark and
 * pushes it. PostgreSQL already holds the truth when this is told, so an engine that fails here is
 * logged, never the caller's error: the buyer's channel then says less until the next change, and the
 * waiting list's own page (and mail) still tell them.
 */
export class WaitlistMarks {
  constructor(private readonly deps: WaitlistMarksOptions) {}

  /** The buyer joined the list (or found their entry again), which it offers nothing from after `until`. */
  async waiting(performanceId: string, userId: string, until: number): Promise<void> {
    const { engine, clock } = this.deps;
    await engine
      .waitlistWaiting(performanceId, userId, until, clock.now())
      .catch((err: unknown) => this.failed(err, performanceId));
  }

  /** Offers PostgreSQL made: each buyer's mark becomes their offer, and their stream hears of it. */
  async offered(performanceId: string, offers: readonly { userId: string; offer: OfferMark }[]) {
    await Promise.all(
      offers.map(async ({ userId, offer }) => {
        await this.deps.engine.waitlistOffered(performanceId, userId, offer);
        await this.announce(performanceId, userId);
      }),
    ).catch((err: unknown) => this.failed(err, performanceId));
  }

  /**
   * Offers (by their hold) or waits (null) that ended: paid, released, lapsed, left. Any hold may be
   * named — one that was no offer removes nothing, and neither does an end that a newer offer overtook.
   */
  async ended(performanceId: string, ends: readonly { userId: string; holdId: string | null }[]) {
    await Promise.all(
      ends.map(async ({ userId, holdId }) => {
        if (await this.deps.engine.waitlistEnd(performanceId, userId, holdId))
          await this.announce(performanceId, userId);
      }),
    ).catch((err: unknown) => this.failed(err, performanceId));
  }

  /** The marks of these buyers (null where none); an engine error is the caller's, as their place's is. */
  read(performanceId: string, userIds: readonly string[], now: number): Promise<(WaitlistMark | null)[]> {
    return this.deps.engine.waitlistRead(performanceId, userIds, now);
  }

  /** Calls `handler` with each buyer whose offer came or went, on any node; resolves once listening. */
  listen(handler: (change: MarkChange) => void): Promise<() => Promise<void>> {
    return this.deps.engine.subscribe(CHANNELS.waitlist, (message) => {
      const at = message.indexOf(':');
      if (at > 0) handler({ performanceId: message.slice(0, at), userId: message.slice(at + 1) });
    });
  }

  private announce(performanceId: string, userId: string): Promise<void> {
    return this.deps.engine.publish(CHANNELS.waitlist, `${performanceId}:${userId}`);
  }

  private failed(err: unknown, performanceId: string): void {
    this.deps.logger.warn(
      { err, performanceId },
      "waiting list's mark not written; the queue's channel lags",
    );
  }
}
