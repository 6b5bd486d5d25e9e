/** An entry's state (state.ts says how the adapters store it). */
export type QueueState = 'prequeue' | 'waiting' | 'admitted' | 'consumed' | 'expired' | 'left';

export interface QueueEntry {
  state: QueueState;
  /** Arrival sequence: unique per queue and per entry (a re-join after leaving is a new entry). */
  seq: number;
  /** 1 for the next entry to be admitted; null outside `waiting`. */
  position: number | null;
  /** While `admitted`: the pass to sign for this user. */
  pass: { passId: number; expiresAt: number } | null;
  /**
   * Why the whole queue is closed (`sold-out`), or null while it is open. A fact of the queue, not of
   * the entry, read in the same step so that every node tells every client the same.
   */
  closed: string | null;
  /**
   * Whether admission is paused (an organizer's pause): the entry keeps its place and the queue takes
   * joins, but nobody is admitted. Also a fact of the queue, read in the same step.
   */
  paused: boolean;
}

export interface AdmitOptions {
  /** How many entries this tick may admit (the per-second rate × tick length). */
  max: number;
  /** Ceiling on unexpired, unconsumed passes. */
  maxActive: number;
  now: number;
  /** Entries last seen before this instant are skipped (abandoned), not admitted. */
  staleBefore: number;
  passTtlMs: number;
  /** When the queue's state expires (see WaitingRoom). */
  until: number;
}

export interface AdmitResult {
  admitted: { userId: string; passId: number; expiresAt: number }[];
  /** Stale entries removed while looking for live ones. */
  skipped: number;
}

export interface QueueStats {
  /** Entries waiting (pre-queue included). */
  waiting: number;
  /** Passes neither consumed nor expired. */
  active: number;
  /** Admissions since the queue began. */
  admittedTotal: number;
  /**
   * Entries ever created: every join that made a new entry, pre-queue included (a re-join after
   * leaving, a skip or an expired pass is a new entry, counted again). The arrival sequence itself.
   */
  joined: number;
  /** Of `joined`, the entries created before the opening (the pre-queue's arrivals). */
  prequeued: number;
  /** Entries that left: from the pre-queue, from the waiting order, or giving an unexpired pass up. */
  left: number;
  /** Passes that expired neither consumed nor given up (one that ran out before its holder left counts here). */
  passesExpired: number;
  /** Bumped by every change of order or state: lets nodes notice changes with one cheap read. */
  version: number;
  /** Whether the pre-queue has been sealed (queueSeal): every join since is an arrival after the opening. */
  opened: boolean;
  /** See QueueEntry.closed. */
  closed: string | null;
  /** See QueueEntry.paused. */
  paused: boolean;
  /** A restore from the record is under way (queueRestore): nobody is admitted until it ends. */
  restoring: boolean;
}

export interface JoinOptions {
  now: number;
  /**
   * Whether the sale has opened by the caller's clock: the join then seals the pre-queue (queueSeal)
   * if nothing has yet. A join without it after the seal is an arrival after the opening all the same.
   */
  open: boolean;
  /**
   * At most `max` join calls per user and queue in a fixed window of `windowMs` that starts with the
   * first; counted in the same atomic step as the join, so a flood costs one round trip per call.
   */
  limit?: { max: number; windowMs: number };
  /** When the queue's state expires (see WaitingRoom). */
  until: number;
}

export type JoinResult =
  | { outcome: 'joined'; entry: QueueEntry }
  /** Over the limit: nothing else happened. */
  | { outcome: 'limited'; retryAfterMs: number }
  /** The queue is closed (see queueClose): nobody joins, not even again. */
  | { outcome: 'closed'; reason: string };

/**
 * What PostgreSQL keeps of a waiting room so that a queue the engine lost (a wiped or failed-over
 * Redis, a restarted embedded node) can be rebuilt with every place and pass unchanged (decision 038).
 */
export type RecordedState = Extract<QueueState, 'prequeue' | 'waiting' | 'admitted' | 'consumed' | 'left'>;

export interface RecordedEntry {
  userId: string;
  /** The entry's arrival sequence, which is also its pass id once admitted. */
  seq: number;
  state: RecordedState;
  /**
   * Where the entry stands in its line: the engine's own order (a pre-queue entry's sequence in the
   * pre-queue; a drawn one's draw index below zero; a later arrival's AFTER_OPENING + sequence, record.ts).
   */
  place: number;
  /** While admitted: when the pass expires (epoch ms). */
  expiresAt: number | null;
}

export interface QueueRecord {
  /** The highest sequence recorded: an engine whose own sequence is below it has lost entries. */
  seq: number;
  /** Whether the pre-queue was sealed (a later arrival is recorded, or the draw was). */
  opened: boolean;
  /** Whether the opening's draw placed the pre-queue (queueDraw happens once per queue). */
  drawn: boolean;
  /** Admissions recorded (admitted and consumed entries), the engine's admittedTotal to go on from. */
  admittedTotal: number;
  entries: RecordedEntry[];
}

/**
 * The waiting room's engine operations (DESIGN.md, "The waiting room"). One queue per performance;
 * every key of a performance's queue carries the `{perf:ID}` hash tag.
 *
 * Order is decided at arrival by an atomic per-queue sequence. Arrivals before the sale opens (the
 * pre-queue) wait without a position; at the opening the pre-queue is sealed (queueSeal), its users are
 * drawn outside the engine, and queueDraw places them in the drawn order ahead of every later arrival
 * (decision 031). Position is exact (1 + live entries ahead, the pre-queue still to be placed
 * counted ahead of every later arrival) and costs O(log n). Admission takes the next entries in order,
 * skipping the ones not seen for a while, within the per-tick allowance and the `maxActive` ceiling; an
 * admitted entry holds a pass (`passId`, expiry) until it is consumed by checkout or expires.
 *
 * A queue's state is forgotten at an instant its caller chooses (`until`, epoch ms, an integer), so a
 * finished sale's waiting room disappears by itself: a join that adds an entry, an opening, an
 * admission that moved someone, a close or reopen — each moves the whole queue's expiry to the `until`
 * it is given (a past one forgets the queue at once). The other calls only change what such a call
 * created, and leave the expiry as it is. Callers pass an instant after every pass the queue may still
 * hold has expired (src/inventory/performance-cache.ts, queueKeysUntil).
 */
export interface WaitingRoom {
  /**
   * Joins the queue, or returns the caller's existing live entry (idempotent), unless the caller is
   * over `limit` or the queue is closed. A join with `open` seals the pre-queue itself if nothing has
   * yet, so no arrival after the opening can be mixed into the pre-queue.
   */
  queueJoin(perf: string, userId: string, opts: JoinOptions): Promise<JoinResult>;
  /**
   * queueJoin for many users (a user may appear more than once) in one atomic step: each result is
   * what joining one after another, in the order given, would have returned, with the same `opts` for
   * all, each user counted against their own `limit`. What a node does with the joins that arrive
   * together (src/queue/service.ts), in one round trip instead of one per join. At most 1,000 users a
   * call (Redis's script hands them to single commands, within Lua's stack).
   */
  queueJoinMany(perf: string, userIds: readonly string[], opts: JoinOptions): Promise<JoinResult[]>;
  /**
   * The opening's first step (decision 031): seals the pre-queue and returns its users, in arrival
   * order. From then on every join is an arrival after the opening, placed behind the pre-queue,
   * whatever its caller's clock says, so the list is the whole pre-queue. Its entries stay in it,
   * without a position, and nobody is admitted until queueDraw has placed them. A second call seals
   * nothing more and returns the pre-queue as it is then (less those who left). The first moves the
   * expiry to `until`.
   */
  queueSeal(perf: string, until: number): Promise<string[]>;
  /**
   * The draw's placement (a lottery's registrants, decision 029; a fifo room's pre-queue, decision
   * 031): seals the pre-queue if it is not yet, then places these users, in this order, ahead of every
   * entry already waiting, and after them whoever is still in the pre-queue without being drawn, in
   * arrival order. A drawn user waiting or in the pre-queue is moved to their drawn place; one holding
   * a live pass is left alone; one with no entry, or a finished one, gets a new entry there, marked seen
   * at `now`, when `absent` is 'enter' (a registrant), and is left out when it is 'skip' (who left the
   * pre-queue left the draw). Once per queue: a second call changes nothing and returns null;
   * otherwise how many it placed. Moves the expiry to `until`.
   */
  queueDraw(
    perf: string,
    userIds: readonly string[],
    now: number,
    until: number,
    absent?: 'enter' | 'skip',
  ): Promise<number | null>;
  /** The caller's entry with its current position, or null if never joined. */
  queueStatus(perf: string, userId: string, now: number): Promise<QueueEntry | null>;
  /**
   * The entries of many users at once, each marked seen if waiting: what a node does for its open SSE
   * connections, in one round trip instead of one per connection.
   */
  queueObserve(perf: string, userIds: readonly string[], now: number): Promise<(QueueEntry | null)[]>;
  /** Marks the entry seen (SSE open, poll, keepalive); false when there is no waiting entry. */
  queueTouch(perf: string, userId: string, now: number): Promise<boolean>;
  /**
   * Leaves the queue (or gives up an unconsumed pass); false when there was nothing to leave. `now`
   * tells a pass given up (counted as left) from one that had already run out (counted as expired).
   */
  queueLeave(perf: string, userId: string, now: number): Promise<boolean>;
  /**
   * Admits the next live entries in order; nobody while the queue is closed or paused, or while a
   * sealed pre-queue waits for its draw to be placed (its users come first).
   */
  queueAdmit(perf: string, opts: AdmitOptions): Promise<AdmitResult>;
  /**
   * Closes the queue with a reason, or reopens it (`null`). Entries keep their places; while closed,
   * joins are refused, admission stops, and every entry reads the reason. Bumps the version when the
   * state changes, so every node's streams notice; returns whether it changed.
   */
  queueClose(perf: string, reason: string | null, until: number): Promise<boolean>;
  /**
   * Pauses admission (`true`) or resumes it. While paused, joins are taken and keep their order,
   * positions stay exact, passes already out stay valid, and every entry reads `paused`; admission then
   * resumes in the same order. Independent of queueClose. Bumps the version when the state changes and
   * moves the expiry to `until`; returns whether it changed. With `onlyIfUnset`, writes only a queue
   * that has no pause state of its own (never paused or resumed, or forgotten with a wiped Redis): how
   * the admission ticker restores PostgreSQL's flag without ever undoing an organizer's newer write.
   */
  queuePause(perf: string, paused: boolean, until: number, onlyIfUnset?: boolean): Promise<boolean>;
  /** Whether this pass is the user's current, unexpired, unconsumed one. */
  queuePassActive(perf: string, userId: string, passId: number, now: number): Promise<boolean>;
  /** Uses the pass up (checkout); true exactly once per pass. Its slot returns to `maxActive`. */
  queueConsumePass(perf: string, userId: string, passId: number, now: number): Promise<boolean>;
  queueStats(perf: string, now: number): Promise<QueueStats>;
  /**
   * Rebuilds a queue the engine lost from PostgreSQL's record (decision 038), when the engine's own
   * sequence (QueueStats.joined) or its admissions (admittedTotal) are below the record's, or a restore
   * is still under way (one cut short is resumed: nobody is admitted until it has ended). Entries are
   * merged one by one by the record's forward rule: whichever of the engine's and the record's is
   * further along in (seq, stage) stays (a pass the engine kept, a join made during the restore), and
   * the same entry waiting in both gets the record's place. Recorded waiting entries are marked seen at
   * `opts.seenAt` (default `now`). The waiting and pre-queue entries the engine had are first
   * renumbered after the record's, their order kept, so a recorded user who joined again after the loss
   * gets their old place back and is in line once; passes and finished entries keep their numbers. A
   * drawn queue (the record's or the engine's flag) places a recorded pre-queue entry as waiting. Null,
   * changing nothing, when nothing is under way and both counts have reached the record's (nothing lost,
   * or restored already: of two nodes restoring at once one does). Otherwise the renumbered entries the
   * record lacks, for the caller to record. Moves the expiry to `until`. `opts.runs` stops after that
   * many of the adapter's runs (what a crash does; tests).
   */
  queueRestore(
    perf: string,
    record: QueueRecord,
    now: number,
    until: number,
    opts?: { seenAt?: number; runs?: number },
  ): Promise<RecordedEntry[] | null>;
}
