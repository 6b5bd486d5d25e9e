import { LiveSlots } from './live-slots.js';
import type { Queue } from './memory-queue.js';
import type { QueueRecord, RecordedEntry } from './port.js';
import { AFTER_OPENING, encodeRecorded, keptAfterRestore, RESTORE_RUN, RESTORE_STAGE } from './record.js';
import { seqOf, tagOf } from './state.js';

/**
 * queueRestore on a memory queue (memory.ts decides whether one is due), as restore.lua does in
 * Redis, run for run: the first renumbers what the queue holds, each merges its recorded entries, the
 * last ends the restore. A memory engine runs them all in one step, unless `runs` cuts it short (as a
 * crash would a Redis restore: tests); the order is rebuilt from the places after the call's last run.
 */
export function restoreQueue(
  q: Queue,
  record: QueueRecord,
  now: number,
  opts: { seenAt?: number; runs?: number },
): RecordedEntry[] {
  const runs = Math.max(1, Math.ceil(record.entries.length / RESTORE_RUN));
  if (q.restoring === null) begin(q, record);
  const { shift, base } = q.restoring!;
  const triples: string[] = [];
  for (const [userId, raw] of q.states) {
    const seq = Number(seqOf(raw));
    if (seq > shift && seq <= shift + base) triples.push(userId, raw, String(seq - shift));
  }
  const kept = keptAfterRestore(record, triples, now);
  const stop = Math.min(runs, opts.runs ?? runs);
  for (const entry of record.entries.slice(0, stop * RESTORE_RUN)) merge(q, entry, now, opts.seenAt ?? now);
  if (stop === runs) q.restoring = null;
  rebuild(q);
  if (q.restoring === null) q.placeOf.clear();
  q.version++;
  return kept;
}

/** The first run: the waiting and pre-queue entries renumbered after the record's (order kept). */
function begin(q: Queue, record: QueueRecord): void {
  const shift = Math.max(q.seq, record.seq);
  q.restoring = { shift, base: q.seq };
  q.placeOf.clear();
  for (const [userId, raw] of q.states) {
    const tag = tagOf(raw);
    if (tag === 'w' || tag === 'p') q.states.set(userId, `${tag}:${Number(seqOf(raw)) + shift}`);
  }
  q.seq += shift;
  q.opened ||= record.opened;
  q.drawn ||= record.drawn;
  q.admittedTotal = Math.max(q.admittedTotal, record.admittedTotal);
}

/** One recorded entry merged by the forward rule (restore.lua). */
function merge(q: Queue, entry: RecordedEntry, now: number, seenAt: number): void {
  const { shift, base } = q.restoring!;
  const { userId } = entry;
  const raw = q.states.get(userId);
  const stage = RESTORE_STAGE[encodeRecorded(entry)[0]!]!;
  if (raw !== undefined) {
    let seq = Number(seqOf(raw));
    if (seq > shift && seq <= shift + base) seq -= shift;
    const had = RESTORE_STAGE[tagOf(raw)]!;
    const sameLine = seq === entry.seq && had <= 1 && stage <= 1;
    if (!(sameLine || entry.seq > seq || (entry.seq === seq && stage >= had))) return;
  }
  const state = entry.state === 'prequeue' && q.drawn ? 'waiting' : entry.state;
  q.dequeue(userId);
  q.pre.delete(userId);
  q.active.delete(userId);
  q.states.set(userId, encodeRecorded({ ...entry, state }));
  q.placeOf.set(userId, entry.place);
  if (state === 'waiting' || state === 'prequeue') q.seen.set(userId, seenAt);
  if (state === 'admitted' && (entry.expiresAt ?? 0) > now) q.active.set(userId, entry.expiresAt!);
}

/** The order and the pre-queue rebuilt by place, as Redis's sorted sets hold them. */
function rebuild(q: Queue): void {
  const order: [string, number][] = [];
  const pre: [string, number][] = [];
  for (const [userId, raw] of q.states) {
    const tag = tagOf(raw);
    const seq = Number(seqOf(raw));
    if (tag === 'w') order.push([userId, q.placeOf.get(userId) ?? AFTER_OPENING + seq]);
    if (tag === 'p') pre.push([userId, q.placeOf.get(userId) ?? seq]);
  }
  const byPlace = (list: [string, number][]) => list.sort((a, b) => a[1] - b[1]).map(([u]) => u);
  q.pre.clear();
  for (const userId of byPlace(pre)) q.pre.add(userId);
  q.order.length = 0;
  q.slotOf.clear();
  q.slots = new LiveSlots();
  q.head = 0;
  for (const userId of byPlace(order)) q.enqueue(userId);
}
