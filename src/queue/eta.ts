/**
 * The waiting room's ETA, estimated from what is observed rather than from the configured rate alone
 * (docs/decisions/026-honest-eta.md). A buyer at place P is let in once P more admissions happen. How
 * fast they happen depends on the regime the queue is in:
 *
 * - While passes are free under `maxActive`, the ticker lets people in at `admitPerSecond`.
 * - Once the cap is reached, a place opens only when an admitted buyer buys, gives up or lets the pass
 *   lapse: admissions then follow departures, `maxActive / mean stay` a second (Little's law).
 *
 * Both the admission rate and the mean stay are measured from the engine's counters (the admitted
 * total, the active passes), which every node reads, so every node tells the same. When nobody has
 * been let in for a few seconds the estimate says `stalled` instead of a number that does not move.
 */

/** One look at a queue's engine figures, as a node takes them (src/queue/rates.ts). */
export interface QueueSample {
  at: number;
  /** The engine's admitted-total counter: admissions since the queue began, across all nodes. */
  admittedTotal: number;
  /** Passes neither used nor expired at that moment. */
  active: number;
}

/** What a series of samples shows, over the span it covers. */
export interface Observed {
  spanMs: number;
  admitted: number;
  /** Passes that ended (used by a checkout, given up, expired): admissions less the growth of `active`. */
  departures: number;
  /** Active passes integrated over the span, in pass-seconds: Little's law's L × T. */
  passSeconds: number;
  /** How long the admitted counter has not moved, as far back as the samples go. */
  stillForMs: number;
  /** The fewest active passes seen: whether the cap held all along. */
  minActive: number;
  /** The latest figures. */
  active: number;
}

export interface QueueSettings {
  admitPerSecond: number;
  maxActive: number;
  passTtlSeconds: number;
}

/**
 * How the ETA was reached: `measured` from at least MIN_SPAN_MS of observed admissions and passes
 * ending, spanning a whole mean stay; `rough` before that (the stay is assumed, or seen only in part); `stalled` when nobody
 * has been let in for STALL_MS (the cap is full and nobody ahead has finished, or admission stopped),
 * and no ETA is given.
 */
export type EtaState = 'measured' | 'rough' | 'stalled';

export interface Outlook {
  state: EtaState;
  /** Passes free under the cap now, each taken at `admitPerSecond`. */
  freeSlots: number;
  admitPerSecond: number;
  /** Admissions per second once the free passes are taken. */
  steadyRate: number;
}

/** Nobody let in for this long means stalled: three times the slowest rate a performance may have. */
export const STALL_MS = 3_000;
/** Observations shorter than this say too little to call the estimate measured. */
export const MIN_SPAN_MS = 10_000;
/**
 * Until passes are seen ending, a buyer is assumed to keep theirs for half its life; this prior weighs
 * as much as this many observed departures, so the first few that end (the quickest buyers) do not
 * swing the estimate, and many outweigh it.
 */
const PRIOR_DEPARTURES = 5;

/** Sums a run of samples up; undefined for fewer than two. Never negative, never NaN. */
export function observe(samples: readonly QueueSample[]): Observed | undefined {
  const first = samples[0];
  const last = samples.at(-1);
  if (!first || !last || samples.length < 2) return undefined;
  let departures = 0;
  let passSeconds = 0;
  let minActive = first.active;
  let movedAt = first.at;
  for (let i = 1; i < samples.length; i++) {
    const a = samples[i - 1]!;
    const b = samples[i]!;
    const admitted = b.admittedTotal - a.admittedTotal;
    // What was let in and is no longer active has ended; a sampling race can make it look negative.
    departures += Math.max(0, admitted - (b.active - a.active));
    passSeconds += (((a.active + b.active) / 2) * (b.at - a.at)) / 1000;
    minActive = Math.min(minActive, b.active);
    if (admitted > 0) movedAt = b.at;
  }
  return {
    spanMs: last.at - first.at,
    admitted: Math.max(0, last.admittedTotal - first.admittedTotal),
    departures,
    passSeconds: Math.max(0, passSeconds),
    stillForMs: last.at - movedAt,
    minActive,
    active: last.active,
  };
}

/** The queue's outlook: the same for every buyer in it, so worked out once per sample. */
export function outlookOf(seen: Observed | undefined, settings: QueueSettings): Outlook {
  const admitPerSecond = Math.max(settings.admitPerSecond, 1e-3);
  const maxActive = Math.max(settings.maxActive, 1);
  const ttl = Math.max(settings.passTtlSeconds, 1);
  const active = seen?.active ?? 0;
  const freeSlots = Math.max(0, maxActive - active);
  // Close enough to the cap that admissions were waiting on departures.
  const slack = Math.max(1, Math.ceil(maxActive * 0.05));
  // Nobody let in for a while: the cap is full and nobody ahead has finished, or admission stopped
  // (no ticker leads, the engine is away). Either way a number would not move, so none is given.
  const stalled = seen !== undefined && seen.stillForMs >= STALL_MS;
  // The mean stay: pass-seconds over departures (the estimator for stays of which some are still
  // under way), with the prior added in; no pass outlives its TTL.
  const passSeconds = seen?.passSeconds ?? 0;
  const departures = seen?.departures ?? 0;
  const meanStay = Math.min(
    ttl,
    Math.max(1, (passSeconds + (PRIOR_DEPARTURES * ttl) / 2) / (departures + PRIOR_DEPARTURES)),
  );
  let steadyRate = Math.min(admitPerSecond, maxActive / meanStay);
  const long = seen !== undefined && seen.spanMs >= MIN_SPAN_MS;
  // At the cap all along, admissions were set by departures the whole time: their own rate over the
  // window measures what is ahead directly, with no model in between.
  const capHeld = long && seen.minActive >= maxActive - slack && seen.admitted > 0;
  if (capHeld) steadyRate = Math.min(admitPerSecond, (seen.admitted * 1000) / seen.spanMs);
  // Otherwise the stay is measured once the samples span a whole one (early on, the passes still under
  // way make it look longer than it is: the ETA is then on the long side, and said to be rough), or
  // when the cap does not bind at all and the configured rate is what admits.
  const measured =
    capHeld ||
    (long &&
      departures >= PRIOR_DEPARTURES &&
      (meanStay * 1000 <= seen.spanMs || steadyRate >= admitPerSecond));
  return {
    state: stalled ? 'stalled' : measured ? 'measured' : 'rough',
    freeSlots,
    admitPerSecond,
    steadyRate: Math.max(steadyRate, 1e-3),
  };
}

/** Seconds until the buyer at `position` is let in; null while stalled. */
export function etaSeconds(outlook: Outlook, position: number): number | null {
  if (outlook.state === 'stalled') return null;
  const p = Math.max(0, position);
  const fill = Math.min(p, outlook.freeSlots);
  const seconds = fill / outlook.admitPerSecond + (p - fill) / outlook.steadyRate;
  return Number.isFinite(seconds) ? Math.max(0, Math.ceil(seconds)) : null;
}

/** The line ahead is this many times the seats left or more: the seats may run out first. */
export const RUN_OUT_FACTOR = 3;

/** Whether the seats may be gone before the buyer's turn. */
export function seatsMayRunOut(ahead: number, seatsLeft: number): boolean {
  return ahead >= RUN_OUT_FACTOR * seatsLeft;
}
