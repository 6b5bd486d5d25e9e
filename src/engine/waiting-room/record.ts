import type { QueueRecord, RecordedEntry } from './port.js';
import { decodeState, encodeAdmitted, encodeState } from './state.js';

/**
 * A later arrival's place is this + its sequence: behind every drawn entry (below zero) and every
 * pre-queue entry (its sequence), as join.lua scores the waiting order.
 */
export const AFTER_OPENING = 1e13;

/** Recorded entries per run of a restore (three arguments each in Redis), as the draw's runs. */
export const RESTORE_RUN = 2_000;

/**
 * The forward rule's stage of each stored tag (migration 0031's stages): an entry skipped as stale sits
 * between waiting and admitted, so a record that still says waiting does not bring it back.
 */
export const RESTORE_STAGE: Readonly<Record<string, number>> = { p: 0, w: 1, x: 1.5, a: 2, c: 3, l: 4 };

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
 * A stored entry as the record writes it (its place from its sequence, as renumbered), for the caller
 * to record; null for one the record has no state for (skipped as stale, or a pass run out).
 */
export function recordedFrom(userId: string, raw: string, now: number): RecordedEntry | null {
  const { state, seq, pass } = decodeState(raw, now);
  if (state === 'expired') return null;
  const place = state === 'prequeue' || state === 'waiting' ? joinedPlace(state, seq) : 0;
  return { userId, seq, state, place, expiresAt: pass?.expiresAt ?? null };
}

/**
 * What a restore's first run renumbered (`user, state, original seq` triples), less the entries the
 * record had as far along or further (the merge put the record's back): the entries the record lacks,
 * to be recorded anew at their new places.
 */
export function keptAfterRestore(
  record: QueueRecord,
  triples: readonly string[],
  now: number,
): RecordedEntry[] {
  const recorded = new Map(record.entries.map((e) => [e.userId, e.seq]));
  const kept: RecordedEntry[] = [];
  for (let i = 0; i + 2 < triples.length; i += 3) {
    const userId = String(triples[i]);
    const was = recorded.get(userId);
    if (was !== undefined && was >= Number(triples[i + 2])) continue;
    const entry = recordedFrom(userId, String(triples[i + 1]), now);
    if (entry) kept.push(entry);
  }
  return kept;
}
