import type { AdmitResult, JoinResult, RecordedEntry, WaitingRoom } from '../../engine/waiting-room/port.js';
import { joinedPlace } from '../../engine/waiting-room/record.js';
import type { Logger } from '../../platform/logger.js';
import type { QueueMetrics } from '../metrics.js';
import { STAGE, type QueueRecordRepository, type RecordRow } from './repository.js';

/**
 * Facts waiting to be written at most: about 13 s of one node's joins at its measured ceiling (7,500 a
 * second, docs/capacity.md). Past it a fact is dropped and counted, never waited for: the record may
 * lag, the join may not.
 */
export const RECORD_BUFFER = 100_000;
/** Facts per write at most (one COPY: no parameter limit to meet, but a bound on what one write holds). */
const WRITE_ROWS = 5_000;
/** Entries read from the engine per call when a draw is written down. */
const DRAW_READ = 1_000;
/**
 * How long the writer gathers facts before each statement, so that a node sends PostgreSQL at most 50
 * a second whatever the crowd (back to back, they were a few dozen rows each, each parsed and planned
 * on its own). The record lags by this much more in the worst case (decision 038).
 */
export const RECORD_GATHER_MS = 20;

export interface QueueRecorderOptions {
  repository: QueueRecordRepository;
  /** Reads the entries a draw placed (their sequences are the engine's). */
  engine: Pick<WaitingRoom, 'queueObserve'>;
  metrics: Pick<QueueMetrics, 'recordFailures' | 'recordDropped'>;
  logger: Logger;
  /** RECORD_GATHER_MS unless said (0: one turn of the event loop, for tests that step the writer). */
  gatherMs?: number;
}

/**
 * Writes the waiting room's facts (joins, admissions, uses, leaves) to PostgreSQL behind the engine
 * (decision 038): each is buffered as the engine answers and written by one writer, one append (COPY)
 * of everything buffered meanwhile, as the Batcher does for the engine, with no timer. The
 * caller never waits; a failed write is logged and counted, and its facts are lost (the record then
 * lags until the entry's next fact).
 */
export class QueueRecorder {
  private buffer: RecordRow[] = [];
  private writing: Promise<void> | undefined;
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly opts: QueueRecorderOptions) {}

  /** The entries a batch of joins made or returned (a pre-queue or a waiting one: placed). */
  joined(performanceId: string, userIds: readonly string[], results: readonly JoinResult[]): void {
    results.forEach((result, i) => {
      if (result.outcome !== 'joined') return;
      const { state, seq } = result.entry;
      if (state !== 'prequeue' && state !== 'waiting') return;
      this.add({
        performanceId,
        userId: userIds[i]!,
        seq,
        stage: STAGE[state],
        place: joinedPlace(state, seq),
        expiresAt: null,
      });
    });
  }

  /** A tick's admissions. */
  admitted(performanceId: string, admitted: AdmitResult['admitted']): void {
    for (const a of admitted)
      this.add({
        performanceId,
        userId: a.userId,
        seq: a.passId,
        stage: STAGE.admitted,
        place: 0,
        expiresAt: a.expiresAt,
      });
  }

  /** A pass used up by checkout, or an entry left (its sequence, as the engine holds it). */
  ended(performanceId: string, userId: string, seq: number, how: 'consumed' | 'left'): void {
    this.add({ performanceId, userId, seq, stage: STAGE[how], place: 0, expiresAt: null });
  }

  /** Entries a restore renumbered (made while the engine had lost the queue): recorded anew. */
  restored(performanceId: string, entries: readonly RecordedEntry[]): void {
    for (const e of entries)
      this.add({
        performanceId,
        userId: e.userId,
        seq: e.seq,
        stage: STAGE[e.state],
        place: e.place,
        expiresAt: e.expiresAt,
      });
  }

  /**
   * The opening's draw placed these users in this order: their entries are read back from the engine
   * (a registrant's was made by the draw) and written at their draw places. Whether the room was
   * drawn, and in which order, the record reads from the draw's own row (performance_fairness, written
   * before the engine's draw), so a failure here loses only the registrants' entries the draw made
   * (they join again); it is logged and counted. Not waited for by the opening. (The read marks them
   * seen, as the draw itself does a registrant: they were seen at the opening.)
   */
  drawn(performanceId: string, order: readonly string[], now: number): Promise<void> {
    const run = async () => {
      const rows: RecordRow[] = [];
      for (let from = 0; from < order.length; from += DRAW_READ) {
        const users = order.slice(from, from + DRAW_READ);
        const entries = await this.opts.engine.queueObserve(performanceId, users, now);
        entries.forEach((entry, k) => {
          if (entry?.state !== 'waiting') return;
          const place = from + k - order.length;
          rows.push({
            performanceId,
            userId: users[k]!,
            seq: entry.seq,
            stage: STAGE.waiting,
            place,
            expiresAt: null,
          });
        });
      }
      await this.opts.repository.write(rows);
    };
    return this.track(run().catch((err: unknown) => this.failed(err, 'draw', order.length)));
  }

  /** Work that ends in facts (a draw's read-back, a leave's read of its sequence): flushed waits for it. */
  track(work: Promise<unknown>): Promise<void> {
    const done = work.then(
      () => undefined,
      () => undefined,
    );
    this.pending.add(done);
    return done.finally(() => this.pending.delete(done));
  }

  /** Waits until everything buffered so far, and every fact under way, is written (tests, shutdown). */
  async flushed(): Promise<void> {
    await Promise.all(this.pending);
    while (this.writing) await this.writing;
  }

  private add(row: RecordRow): void {
    if (this.buffer.length >= RECORD_BUFFER) {
      this.opts.metrics.recordDropped.inc();
      return;
    }
    this.buffer.push(row);
    this.writing ??= this.writeAll();
  }

  /**
   * One writer: statements in the order their facts came, so a node never overtakes itself. It ends in
   * the same step as it finds the buffer empty, so a fact added after that starts the next writer.
   */
  private async writeAll(): Promise<void> {
    const gatherMs = this.opts.gatherMs ?? RECORD_GATHER_MS;
    for (;;) {
      // The facts of the requests of the next few milliseconds go together (RECORD_GATHER_MS).
      await new Promise((resolve) => (gatherMs > 0 ? setTimeout(resolve, gatherMs) : setImmediate(resolve)));
      if (this.buffer.length === 0) {
        this.writing = undefined;
        return;
      }
      const rows = distinctFacts(this.buffer.splice(0, WRITE_ROWS));
      await this.opts.repository.write(rows).catch((err: unknown) => this.failed(err, 'write', rows.length));
    }
  }

  private failed(err: unknown, kind: 'write' | 'draw', rows: number): void {
    this.opts.metrics.recordFailures.inc({ kind });
    this.opts.logger.warn({ err, rows }, 'waiting room record not written');
  }
}

/**
 * The batch without repeats of one fact (the same buyer's joins of the last few milliseconds return the
 * same entry): every distinct fact is kept, an admission beside its use, since the entry is the furthest
 * of its facts however they are written, and each admission counts once in the room's progress.
 */
function distinctFacts(rows: readonly RecordRow[]): RecordRow[] {
  const seen = new Map<string, RecordRow>();
  for (const row of rows)
    seen.set(`${row.performanceId}:${row.userId}:${row.seq}:${row.stage}:${row.place}`, row);
  return [...seen.values()];
}
