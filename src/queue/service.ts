import type { Clock } from '../platform/clock.js';
import { Batcher, inGroups, unwrap } from '../platform/batcher.js';
import type { JoinOptions, JoinResult, QueueEntry, WaitingRoom } from '../engine/waiting-room/port.js';
import { AppError } from '../contract/errors.js';
import { rateLimited } from '../engine/coordination/rate-limit.js';
import { TokenError, type TokenKind } from '../platform/tokens.js';
import type { PerformanceRow } from '../inventory/performance.js';
import type { TurnNotices } from './turn-notices.js';
import type { QueueMetrics } from './metrics.js';
import { queueKeysUntil, type PerformanceCache } from '../inventory/performance-cache.js';
import { AdmissionRates } from './rates.js';
import type { Availability } from '../engine/availability/port.js';
import { etaSeconds, seatsMayRunOut } from './eta.js';
import type { ChallengeService } from './challenge.js';
import type { ChallengePayload } from '../contract/queue.js';
import type { LotteryService } from './lottery.js';
import type { WaitlistMarks } from './waitlist-marks.js';
import { withWaitlist, type QueueView } from './views.js';

export type { QueueView } from './views.js';

/** The queue pass: signed, bound to one performance, one user and one admission (`pid`). */
export type PassClaims = { perf: string; sub: string; pid: number };

/**
 * Joining again is harmless (same entry), but a flood of it from one account is still refused; the
 * count is kept by the join itself, in the same engine step.
 */
const JOIN_LIMIT = { max: 30, windowMs: 10_000 };
/** Joins per engine call at most, and engine calls of joins at a time, per node. */
const JOIN_BATCH = 200;
const JOINS_IN_FLIGHT = 4;
/** One join waiting for its batch. */
interface JoinCall {
  performanceId: string;
  userId: string;
  opts: JoinOptions;
}

export interface QueueServiceOptions {
  /** The availability too: the ETA counts the seats left from the engine's bitset. */
  engine: WaitingRoom & Availability;
  performances: PerformanceCache;
  /** Signs and checks queue passes. */
  passes: TokenKind<PassClaims>;
  clock: Clock;
  metrics?: Pick<QueueMetrics, 'joinBatchSize'>;
  /** Told when a buyer is shown their pass, so that no "it's your turn" mail follows. */
  turns?: Pick<TurnNotices, 'seen'>;
  /** The proof of work at the door; without it (unit tests) no join is asked for one. */
  challenges?: ChallengeService;
  /** A lottery's draw, made before the first join after its opening is placed (decision 029). */
  lottery?: Pick<LotteryService, 'drawIfDue'>;
  /** The waiting list's marks: its buyers' offers, shown with their place (decision 028). */
  marks: Pick<WaitlistMarks, 'read'>;
}

export class QueueService {
  /**
   * The joins that arrive together go to the engine together: one script call per performance for all
   * of them, as the booking path batches its PostgreSQL calls (docs/decisions/006) — same batcher, no
   * timer. A join is idempotent, so the batcher's retry of a failed batch one by one is safe (each
   * retry counts once more against that user's join limit).
   */
  private readonly joins: Batcher<JoinCall, JoinResult>;

  private readonly engine: WaitingRoom;
  private readonly performances: PerformanceCache;
  private readonly passes: TokenKind<PassClaims>;
  readonly rates: AdmissionRates;
  private readonly clock: Clock;
  private readonly turns: Pick<TurnNotices, 'seen'> | undefined;
  /** The door's proof of work: spent by a join here, and issued by the challenge route. */
  readonly challenges: ChallengeService | undefined;
  private readonly lottery: Pick<LotteryService, 'drawIfDue'> | undefined;
  private readonly marks: Pick<WaitlistMarks, 'read'>;

  constructor(opts: QueueServiceOptions) {
    const { engine, performances, passes, clock, metrics, turns, challenges, lottery } = opts;
    this.marks = opts.marks;
    this.turns = turns;
    this.challenges = challenges;
    this.lottery = lottery;
    this.engine = engine;
    this.performances = performances;
    this.passes = passes;
    this.rates = new AdmissionRates({ engine, clock });
    this.clock = clock;
    this.joins = new Batcher((calls) => this.joinTogether(calls), {
      maxBatch: JOIN_BATCH,
      maxInFlight: JOINS_IN_FLIGHT,
      onBatch: (size) => metrics?.joinBatchSize.observe(size),
    });
  }

  /**
   * Joins the waiting room, or returns the caller's existing place (idempotent), spending the solved
   * challenge the performance's door asks for (every call, a repeat too: a bot's loop pays each time).
   */
  async join(performanceId: string, userId: string, challenge?: ChallengePayload): Promise<QueueView> {
    const perf = await this.performances.get(performanceId);
    const now = this.clock.now();
    if (!perf.queueEnabled) return { state: 'admitted', position: null, etaSeconds: 0 };
    // A lottery has no pre-queue: its registration takes that place, and its room opens with the draw.
    const early = perf.queueMode === 'lottery' ? 0 : perf.prequeueMinutes * 60_000;
    const opensAt = perf.salesOpenAt.getTime() - early;
    if (now < opensAt) {
      throw new AppError('QUEUE_NOT_OPEN', undefined, { opensAt: new Date(opensAt).toISOString() });
    }
    if (now >= perf.salesCloseAt.getTime()) throw new AppError('SALE_CLOSED', undefined, { performanceId });
    await this.challenges?.spend(performanceId, challenge);
    // A lottery's registrants are placed before any join after its opening is. A fifo room's join does
    // not wait for its draw (decision 031): it seals the pre-queue itself, so it lands behind it
    // whenever the ticker places it, and its position counts it already.
    if (perf.queueMode === 'lottery') await this.lottery?.drawIfDue(perf, now);
    const joined = await this.joins.call({
      performanceId,
      userId,
      opts: { now, open: now >= perf.salesOpenAt.getTime(), limit: JOIN_LIMIT, until: queueKeysUntil(perf) },
    });
    if (joined.outcome === 'limited') throw rateLimited(joined.retryAfterMs);
    if (joined.outcome === 'closed') {
      // A buyer on the waiting list is let in to wait for its offer; anyone else hears why not.
      const [mark] = await this.marks.read(performanceId, [userId], now);
      const waitlisted = withWaitlist(null, mark);
      if (waitlisted) return waitlisted;
      throw closedError(joined.reason, performanceId);
    }
    await this.rates.refresh(perf);
    return this.view(perf, userId, joined.entry);
  }

  /**
   * A batch of joins, as engine calls: per performance, runs of consecutive joins with the same options
   * (only the opening instant or a changed sale window splits one), in arrival order; the performances
   * side by side. A run takes its latest `now`, a moment at most a few ms after each of its joins.
   */
  private async joinTogether(calls: JoinCall[]): Promise<JoinResult[]> {
    const sameRun = (a: JoinOptions, b: JoinOptions) =>
      a.open === b.open &&
      a.until === b.until &&
      a.limit?.max === b.limit?.max &&
      a.limit?.windowMs === b.limit?.windowMs;
    const results = await inGroups(
      calls,
      (call) => call.performanceId,
      async (performanceId, group) => {
        const joined: JoinResult[] = [];
        for (let start = 0; start < group.length;) {
          const first = group[start]!.opts;
          let end = start + 1;
          let now = first.now;
          while (end < group.length && sameRun(first, group[end]!.opts)) {
            now = Math.max(now, group[end]!.opts.now);
            end++;
          }
          const run = group.slice(start, end).map((call) => call.userId);
          joined.push(...(await this.engine.queueJoinMany(performanceId, run, { ...first, now })));
          start = end;
        }
        return joined;
      },
    );
    // A failed call fails the batch; the batcher then retries its joins one by one (a join is idempotent).
    return results.map(unwrap);
  }

  /** The caller's place, marking them seen (a poll is a sign of life, like an open stream). */
  async status(performanceId: string, userId: string): Promise<QueueView> {
    const view = await this.current(performanceId, userId);
    if (!view) throw new AppError('NOT_IN_QUEUE', undefined, { performanceId });
    return view;
  }

  /**
   * The caller's place with their waiting-list mark, both read from the engine side by side (one round
   * trip, never PostgreSQL); null when they have neither. Marks them seen.
   */
  async current(performanceId: string, userId: string): Promise<QueueView | null> {
    const perf = await this.performances.get(performanceId);
    const now = this.clock.now();
    const [[entry], [mark]] = await Promise.all([
      this.engine.queueObserve(performanceId, [userId], now),
      this.marks.read(performanceId, [userId], now),
    ]);
    if (entry) await this.rates.refresh(perf);
    return withWaitlist(entry ? this.view(perf, userId, entry) : null, mark);
  }

  async leave(performanceId: string, userId: string): Promise<void> {
    await this.performances.get(performanceId);
    if (!(await this.engine.queueLeave(performanceId, userId, this.clock.now()))) {
      throw new AppError('NOT_IN_QUEUE', undefined, { performanceId });
    }
  }

  /**
   * What the hold endpoint calls: the pass must be genuine, for this performance and this user, not
   * expired, and still the user's current unconsumed pass in the engine. Performances without a queue
   * need none. Returns the pass id to consume at checkout.
   */
  async verifyPass(performanceId: string, userId: string, token: string | undefined): Promise<number | null> {
    const perf = await this.performances.get(performanceId);
    if (!perf.queueEnabled) return null;
    if (!token) throw new AppError('QUEUE_PASS_REQUIRED', undefined, { performanceId });
    let claims: PassClaims;
    try {
      claims = this.passes.check(token);
    } catch (err) {
      if (err instanceof TokenError) {
        throw new AppError(err.reason === 'expired' ? 'QUEUE_PASS_EXPIRED' : 'QUEUE_PASS_INVALID');
      }
      throw err;
    }
    if (claims.perf !== performanceId || claims.sub !== userId) throw new AppError('QUEUE_PASS_INVALID');
    if (!(await this.engine.queuePassActive(performanceId, userId, claims.pid, this.clock.now()))) {
      const entry = await this.engine.queueStatus(performanceId, userId, this.clock.now());
      throw new AppError(entry?.state === 'consumed' ? 'QUEUE_PASS_USED' : 'QUEUE_PASS_EXPIRED');
    }
    return claims.pid;
  }

  /** Checkout uses the pass up; its slot goes back to the room. True exactly once. */
  consumePass(performanceId: string, userId: string, passId: number): Promise<boolean> {
    // The engine checks the pass is the user's current, unexpired one in the same atomic step.
    return this.engine.queueConsumePass(performanceId, userId, passId, this.clock.now());
  }

  /** The client's view of an entry; the pass is minted from the engine's record, so any node gives the same one. */
  view(perf: PerformanceRow, userId: string, entry: QueueEntry): QueueView {
    const now = this.clock.now();
    // Whoever bought keeps hearing so; everyone else learns why the room closed.
    const closedBecause =
      entry.state === 'consumed' ? null : now >= perf.salesCloseAt.getTime() ? 'sale-closed' : entry.closed;
    if (closedBecause !== null) {
      return { state: 'closed', position: null, etaSeconds: null, reason: closedBecause };
    }
    switch (entry.state) {
      case 'waiting': {
        // Paused by the organizer: the place is kept, but no ETA holds while nobody is let in.
        if (entry.paused) return { state: 'paused', position: entry.position, etaSeconds: null };
        const position = entry.position ?? 1;
        const outlook = this.rates.outlook(perf);
        const seatsLeft = this.rates.seatsLeft(perf.id);
        return {
          state: 'waiting',
          position: entry.position,
          // Never negative nor NaN, whatever the engine's counters did (the schema refuses it, as a 500).
          etaSeconds: etaSeconds(outlook, position),
          etaState: outlook.state,
          ...(seatsLeft !== undefined && {
            seatsLeft,
            seatsMayRunOut: seatsMayRunOut(position - 1, seatsLeft),
          }),
        };
      }
      case 'prequeue':
        return {
          state: 'prequeue',
          position: null,
          etaSeconds: Math.max(0, Math.ceil((perf.salesOpenAt.getTime() - now) / 1000)),
          opensAt: perf.salesOpenAt.toISOString(),
        };
      case 'admitted': {
        this.turns?.seen(perf.id, userId, entry.pass!.passId);
        const { token, expiresAt } = this.passes.issueUntil(
          { perf: perf.id, sub: userId, pid: entry.pass!.passId },
          entry.pass!.expiresAt,
        );
        return {
          state: 'admitted',
          position: null,
          etaSeconds: 0,
          pass: token,
          expiresAt: expiresAt.toISOString(),
        };
      }
      case 'expired':
      case 'left':
      case 'consumed':
        return { state: entry.state, position: null, etaSeconds: null };
    }
  }
}

/** A join refused because the queue is closed, with the code that says why. */
function closedError(reason: string, performanceId: string): AppError {
  return new AppError(reason === 'sold-out' ? 'SOLD_OUT' : 'SALE_CLOSED', undefined, {
    performanceId,
    reason,
  });
}
