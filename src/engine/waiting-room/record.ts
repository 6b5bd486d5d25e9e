import type { RecordedEntry } from './port.js';
import { encodeAdmitted, encodeState, seqOf, STATE_TAG, tagOf } from './state.js';

/**
 * A later arrival's place is this + its sequence: behind every drawn entry (below zero) and every
 * pre-queue entry (its sequence), as join.lua scores the waiting order.
 */
export const AFTER_OPENING = 1e13;

/** The place of an entry a join created or returned, by its state (a drawn entry's is the draw's). */
export const joinedPlace = (state: 'prequeue' | 'waiting', seq: number): number =>
  state === 'prequeue' ? seq : AFTER_OPENING + seq;

/** A recorded entry as both adapters store it (state.ts). */
export function encodeRecorded(entry: RecordedEntry): string {
  return entry.state === 'admitted'
    ? encodeAdmitted(entry.seq, entry.expiresAt ?? 0)
    : encodeState(entry.state, entry.seq);
}

/**
 * A stored entry the engine made since it lost the queue, as it stands once renumbered, for the caller
 * to record; null for one the record has no state for (skipped as stale: it goes when reached anyway).
 */
export function recordedFrom(userId: string, raw: string): RecordedEntry | null {
  const seq = Number(seqOf(raw));
  switch (tagOf(raw)) {
    case STATE_TAG.prequeue:
      return { userId, seq, state: 'prequeue', place: seq, expiresAt: null };
    case STATE_TAG.waiting:
      return { userId, seq, state: 'waiting', place: AFTER_OPENING + seq, expiresAt: null };
    case STATE_TAG.admitted:
      return { userId, seq, state: 'admitted', place: 0, expiresAt: Number(raw.split(':')[2]) };
    case STATE_TAG.consumed:
      return { userId, seq, state: 'consumed', place: 0, expiresAt: null };
    case STATE_TAG.left:
      return { userId, seq, state: 'left', place: 0, expiresAt: null };
    case STATE_TAG.expired:
      return null;
  }
}
