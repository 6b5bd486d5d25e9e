import type { QueueRecord, RecordedEntry, RecordedState } from '../../engine/waiting-room/port.js';
import { AFTER_OPENING } from '../../engine/waiting-room/record.js';
import type { Db } from '../../platform/db.js';

/** The stage of each recorded state (migration 0031): a write applies only when (seq, stage) grows. */
export const STAGE = { prequeue: 0, waiting: 1, admitted: 2, consumed: 3, left: 4 } as const satisfies Record<
  RecordedState,
  number
>;
const STATES = Object.keys(STAGE) as RecordedState[];

/** One fact about one entry, as the recorder writes it. */
export interface RecordRow {
  performanceId: string;
  userId: string;
  seq: number;
  stage: number;
  /** The entry's place; 0 where the fact does not carry one (an admission, a use, a leave). */
  place: number;
  expiresAt: number | null;
}

/**
 * The facts as rows, less any whose performance or user is gone (deleted meanwhile): one such fact
 * would otherwise fail the whole statement, and every other fact of the batch with it.
 */
const ROWS = `SELECT r.* FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::smallint[], $5::bigint[],
    $6::bigint[]) AS r(performance_id, user_id, seq, stage, place, pass_expires_at)
  WHERE EXISTS (SELECT 1 FROM performances p WHERE p.id = r.performance_id)
    AND EXISTS (SELECT 1 FROM users u WHERE u.id = r.user_id)`;
const params = (rows: readonly RecordRow[]) => [
  rows.map((r) => r.performanceId),
  rows.map((r) => r.userId),
  rows.map((r) => r.seq),
  rows.map((r) => r.stage),
  rows.map((r) => r.place),
  rows.map((r) => r.expiresAt),
];

/** How far a performance's record has got (QueueRecordRepository.progress). */
export interface RecordProgress {
  seq: number;
  admitted: number;
}

/** The waiting room's record in PostgreSQL (decision 038). */
export class QueueRecordRepository {
  constructor(private readonly db: Db) {}

  /**
   * Many facts in one statement (one row per performance and user: the caller keeps the latest). A
   * fact older than the row's, (seq, stage) behind it, changes nothing, so writes from several nodes
   * may land in any order; a new entry (a higher seq) brings its own place.
   */
  async write(rows: readonly RecordRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.db.query(
      `INSERT INTO queue_entries AS q (performance_id, user_id, seq, stage, place, pass_expires_at)
       ${ROWS}
       ON CONFLICT (performance_id, user_id) DO UPDATE SET
         seq = EXCLUDED.seq, stage = EXCLUDED.stage,
         place = CASE WHEN EXCLUDED.seq > q.seq THEN EXCLUDED.place ELSE q.place END,
         pass_expires_at = COALESCE(EXCLUDED.pass_expires_at, q.pass_expires_at)
       WHERE (EXCLUDED.seq, EXCLUDED.stage) > (q.seq, q.stage)`,
      params(rows),
    );
  }

  /**
   * The draw's placement: the drawn entries at their draw places (over a pre-queue or waiting row of
   * the same entry), and the queue marked drawn, in one transaction.
   */
  async writeDraw(performanceId: string, rows: readonly RecordRow[]): Promise<void> {
    const client = await this.db.connect();
    try {
      await client.query('BEGIN');
      if (rows.length > 0)
        await client.query(
          `INSERT INTO queue_entries AS q (performance_id, user_id, seq, stage, place, pass_expires_at)
           ${ROWS}
           ON CONFLICT (performance_id, user_id) DO UPDATE SET
             seq = EXCLUDED.seq, stage = EXCLUDED.stage, place = EXCLUDED.place
           WHERE (EXCLUDED.seq, EXCLUDED.stage) >= (q.seq, q.stage)`,
          params(rows),
        );
      await client.query(
        `INSERT INTO queue_records (performance_id) VALUES ($1) ON CONFLICT (performance_id) DO NOTHING`,
        [performanceId],
      );
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  /**
   * How far the record has got in each of these performances that has one: its highest sequence and
   * its admissions (admitted and consumed entries), what an engine that lost nothing has reached.
   */
  async progress(performanceIds: readonly string[]): Promise<Map<string, RecordProgress>> {
    if (performanceIds.length === 0) return new Map();
    const { rows } = await this.db.query<{ id: string; seq: string | null; admitted: number }>(
      `SELECT p::text AS id, (SELECT max(seq) FROM queue_entries WHERE performance_id = p)::text AS seq,
              (SELECT count(*) FROM queue_entries WHERE performance_id = p AND stage IN (2, 3))::int AS admitted
       FROM unnest($1::bigint[]) AS p`,
      [performanceIds],
    );
    return new Map(
      rows.filter((r) => r.seq !== null).map((r) => [r.id, { seq: Number(r.seq), admitted: r.admitted }]),
    );
  }

  /**
   * What queueRestore takes. After the draw, a pre-queue row still there (its join written after the
   * draw's) stands where the draw put the undrawn rest: waiting, at its arrival sequence.
   */
  async snapshot(performanceId: string): Promise<QueueRecord> {
    const [entries, drawn] = await Promise.all([
      this.db.query<{ userId: string; seq: string; stage: number; place: string; expiresAt: string | null }>(
        `SELECT user_id::text AS "userId", seq::text, stage, place::text,
                pass_expires_at::text AS "expiresAt"
         FROM queue_entries WHERE performance_id = $1`,
        [performanceId],
      ),
      this.db.query(`SELECT 1 FROM queue_records WHERE performance_id = $1`, [performanceId]),
    ]);
    const isDrawn = (drawn.rowCount ?? 0) > 0;
    let seq = 0;
    let admittedTotal = 0;
    let opened = isDrawn;
    const list = entries.rows.map((r): RecordedEntry => {
      const state = isDrawn && r.stage === STAGE.prequeue ? 'waiting' : STATES[r.stage]!;
      const entry: RecordedEntry = {
        userId: r.userId,
        seq: Number(r.seq),
        state,
        place: Number(r.place),
        expiresAt: r.expiresAt === null ? null : Number(r.expiresAt),
      };
      seq = Math.max(seq, entry.seq);
      if (state === 'admitted' || state === 'consumed') admittedTotal++;
      if (entry.place >= AFTER_OPENING) opened = true;
      return entry;
    });
    return { seq, opened, drawn: isDrawn, admittedTotal, entries: list };
  }
}
