import type { QueueEntry, QueueState, QueueStats } from './port.js';

/**
 * How both adapters store an entry's state: one string per user (a field of the state hash in Redis),
 * `<tag>:<seq>`, or `a:<seq>:<expiresAt>` once admitted, so that a script reads or writes an entry in
 * one step. The Lua scripts spell the same tags (src/engine/lua.test.ts checks).
 */
export const STATE_TAG = {
  prequeue: 'p',
  waiting: 'w',
  admitted: 'a',
  consumed: 'c',
  /** Skipped as stale, or its pass lapsed. */
  expired: 'x',
  left: 'l',
} as const satisfies Record<QueueState, string>;

type Tag = (typeof STATE_TAG)[QueueState];

/** The stored form of a state other than admitted. */
export const encodeState = (state: Exclude<QueueState, 'admitted'>, seq: number | string): string =>
  `${STATE_TAG[state]}:${seq}`;

/** The stored form of an admitted entry, whose pass expires at `expiresAt`. */
export const encodeAdmitted = (seq: number, expiresAt: number): string =>
  `${STATE_TAG.admitted}:${seq}:${expiresAt}`;

/** The tag of a stored state: an admitted entry past its expiry is still tagged admitted. */
export const tagOf = (raw: string): Tag => raw[0] as Tag;

/** The arrival sequence of a stored state, as stored. */
export const seqOf = (raw: string): string => raw.split(':')[1]!;

export function decodeState(raw: string, now: number): Omit<QueueEntry, 'position' | 'closed' | 'paused'> {
  const [, seqText, expiresText] = raw.split(':');
  const seq = Number(seqText);
  const tag = tagOf(raw);
  switch (tag) {
    case STATE_TAG.prequeue:
      return { state: 'prequeue', seq, pass: null };
    case STATE_TAG.waiting:
      return { state: 'waiting', seq, pass: null };
    case STATE_TAG.admitted: {
      const expiresAt = Number(expiresText);
      return expiresAt > now
        ? { state: 'admitted', seq, pass: { passId: seq, expiresAt } }
        : { state: 'expired', seq, pass: null };
    }
    case STATE_TAG.consumed:
      return { state: 'consumed', seq, pass: null };
    case STATE_TAG.expired:
      return { state: 'expired', seq, pass: null };
    case STATE_TAG.left:
      return { state: 'left', seq, pass: null };
  }
}

/** States after which a join starts a new entry at the back instead of returning the old one. */
export function isFinished(state: QueueState): boolean {
  return state === 'left' || state === 'expired' || state === 'consumed';
}

/** The stats of a queue that does not exist (never created, or forgotten): nothing counted. */
export const NO_QUEUE_STATS: Readonly<QueueStats> = {
  waiting: 0,
  active: 0,
  admittedTotal: 0,
  joined: 0,
  prequeued: 0,
  left: 0,
  passesExpired: 0,
  version: 0,
  opened: false,
  closed: null,
  paused: false,
  restoring: false,
};
