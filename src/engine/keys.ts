/**
 * Every Redis key and lease name Tmomi uses, spelled here and nowhere else. Running nodes and the data
 * already in Redis depend on these exact strings, so keys.test.ts pins them: changing one strands a
 * live sale's state. (The engine's `keyPrefix` goes in front of all of them, and of the channels.)
 *
 * A performance's keys all start with its hash tag `{perf:ID}`, so that Redis Cluster keeps them on one
 * shard: a script may touch only keys of one slot, and the scripts touch several at once (the gate reads
 * the seat map, the join counts the caller's window beside the queue).
 */

/** The hash tag that starts every key of the performance. */
export const perfTag = (perf: string) => `{perf:${perf}}`;

/** The waiting room's keys (waiting-room/redis.ts says what each holds). */
export type QueueKeyName = 'seq' | 'state' | 'order' | 'pre' | 'seen' | 'active' | 'meta';
export const queueKey = (perf: string, name: QueueKeyName) => `${perfTag(perf)}:q:${name}`;

/** A user's fixed window of join calls, counted by the join itself. */
export const queueJoinWindowKey = (perf: string, userId: string) => `${perfTag(perf)}:q:rl:${userId}`;

/** Admissions in one wall-clock second (epoch seconds), so that a new leader continues the count. */
export const queueAdmittedInKey = (perf: string, second: number) =>
  `${perfTag(perf)}:q:admitted-in:${second}`;

/**
 * A proof-of-work challenge of the performance that was spent on a join or a registration (`id`: its
 * signature), kept until the challenge expires so that it is spent once (src/queue/challenge.ts).
 */
export const challengeSpentKey = (perf: string, id: string) => `${perfTag(perf)}:pow:${id}`;

/**
 * A buyer's mark on the performance's waiting list (on it, or holding an offer), as the queue's poll and
 * stream read it (waitlist/port.ts).
 */
export const waitlistKey = (perf: string, userId: string) => `${perfTag(perf)}:wl:${userId}`;

/** The hold gate's keys (hold-gate/redis.ts says what each holds). */
export type GateKeyName = 'seats' | 'buyers' | 'ready' | 'ver';
export const gateKey = (perf: string, name: GateKeyName) => `${perfTag(perf)}:gate:${name}`;

/**
 * A buyer's fixed window of hold requests for the performance, counted by the gate's acquire (so it
 * costs the hot path no call of its own).
 */
export const holdWindowKey = (perf: string, userId: string) => `${perfTag(perf)}:gate:rl:${userId}`;

/** The seat-map bitset and its version. */
export type AvailabilityKeyName = 'bits' | 'ver';
export const availabilityKey = (perf: string, name: AvailabilityKeyName) => `${perfTag(perf)}:av:${name}`;

/** A fixed window of a rate limit (`name`: which limit; `client`: who is counted, e.g. an address). */
export const rateLimitKey = (name: string, client: string) => `ratelimit:${name}:${client}`;

/** An account's login failures, and the wait they impose (`account`: a hash of the email, never the email). */
export const loginThrottleKey = (name: 'failures' | 'wait', account: string) => `login:${name}:${account}`;

/** Broadcast messages sent in one wall-clock second (epoch seconds), by every node together: the mail rate. */
export const mailSentInKey = (second: number) => `mail:bulk-sent-in:${second}`;

/** The pub/sub channels nodes tell each other things on. */
export const CHANNELS = {
  /** `<userId>:<session version>` (`gone` for a deleted user): the user's sessions before it ended. */
  sessions: 'sessions',
  /**
   * `<kind>:<id>` (`performance`, `event` or `venue`): an organizer changed that record, so every node
   * drops what it cached of it (src/inventory/catalog-changes.ts).
   */
  catalog: 'catalog',
  /**
   * `<performanceId>:<userId>`: that buyer's waiting-list mark changed (an offer made or ended), so the
   * node holding their queue stream reads it and tells them (src/queue/waitlist-marks.ts).
   */
  waitlist: 'waitlist',
} as const;

/** The leases of the jobs that exactly one node runs. */
export const LEASES = {
  admission: 'leader:admission',
  bookingSweeper: 'leader:booking-sweeper',
} as const;
