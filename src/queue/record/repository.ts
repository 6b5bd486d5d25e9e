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

/** The facts as rows (six arrays, whatever their length: no parameter limit to meet). */
const ROWS = `SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::smallint[], $5::bigint[],
    $6::bigint[]) AS r(performance_id, user_id, seq, stage, place, pass_expires_at)`;
const params = (rows: readonly RecordRow[]) => [
  rows.map((r) => r.performanceId),
  rows.map((r) => r.userId),
  rows.map((r) => r.seq),
  rows.map((r) => r.stage),
  rows.map((r) => r.place),
  rows.map((r) => r.expiresAt),
];

/** The upsert every fact goes through: it applies only when (seq, stage) moves forward. */
const UPSERT = `INSERT INTO queue_entries AS q (performance_id, user_id, seq, stage, place, pass_expires_at)
  SELECT * FROM r
  ON CONFLICT (performance_id, user_id) DO UPDATE SET
    seq = EXCLUDED.seq, stage = EXCLUDED.stage,
    place = CASE WHEN EXCLUDED.seq > q.seq OR EXCLUDED.place < 0 THEN EXCLUDED.place ELSE q.place END,
    pass_expires_at = CASE WHEN EXCLUDED.seq > q.seq THEN EXCLUDED.pass_expires_at
                           ELSE COALESCE(EXCLUDED.pass_expires_at, q.pass_expires_at) END
  WHERE (EXCLUDED.seq, EXCLUDED.stage) > (q.seq, q.stage)
     OR (EXCLUDED.seq, EXCLUDED.stage) = (q.seq, q.stage) AND EXCLUDED.place < 0 AND q.place >= 0`;

/** Of a performance deleted meanwhile, the facts change nothing, and do not fail the others'. */
const KNOWN = 'EXISTS (SELECT 1 FROM performances p WHERE p.id = performance_id)';

/**
 * Joins and draws: the upsert, and the rooms' highest sequences raised to the facts' (a fact the upsert
 * passed over has a sequence at most its row's, which the room's already counts).
 */
const ARRIVALS = `WITH r AS (${ROWS}), up AS (${UPSERT})
  INSERT INTO queue_records AS c (performance_id, seq)
  SELECT performance_id, max(seq) FROM r WHERE ${KNOWN} GROUP BY performance_id
  ON CONFLICT (performance_id) DO UPDATE SET seq = GREATEST(c.seq, EXCLUDED.seq)`;

/** Admissions, uses and leaves: the upsert, and the admissions counted once each, as they land. */
const FURTHER = `WITH r AS (${ROWS}),
  old AS (SELECT q.performance_id, q.user_id, q.seq, q.stage FROM queue_entries q
          JOIN r ON r.performance_id = q.performance_id AND r.user_id = q.user_id),
  up AS (${UPSERT} RETURNING performance_id, user_id, seq, stage)
  INSERT INTO queue_records AS c (performance_id, seq, admitted)
  SELECT up.performance_id, max(up.seq),
         count(*) FILTER (WHERE up.stage IN (2, 3) AND (old.seq IS NULL OR old.seq <> up.seq OR old.stage < 2))
  FROM up LEFT JOIN old ON old.performance_id = up.performance_id AND old.user_id = up.user_id
  WHERE EXISTS (SELECT 1 FROM performances p WHERE p.id = up.performance_id)
  GROUP BY up.performance_id
  ON CONFLICT (performance_id) DO UPDATE
    SET seq = GREATEST(c.seq, EXCLUDED.seq), admitted = c.admitted + EXCLUDED.admitted`;

/** How far a performance's record has got (QueueRecordRepository.progress). */
export interface RecordProgress {
  seq: number;
  admitted: number;
}

/** The waiting room's record in PostgreSQL (decision 038). */
export class QueueRecordRepository {
  constructor(private readonly db: Db) {}

  /**
   * Many facts (one row per performance and user: the caller keeps the latest). A fact older than the
   * row's, (seq, stage) behind it, changes nothing, so writes from several nodes may land in any order;
   * a new entry (a higher seq) brings its own place and expiry. A draw's place (below zero) also moves
   * the same entry still waiting where it was. The room's highest sequence (queue_records) follows, and
   * its admissions count grows by the entries that reach admitted or consumed here for the first time.
   * Joins and draws (the bulk of a sale) take the lean statement; admissions, uses and leaves (one
   * leader's tick, a checkout) the one that also counts.
   */
  async write(rows: readonly RecordRow[]): Promise<void> {
    const arrivals = rows.filter((r) => r.stage <= STAGE.waiting);
    const further = rows.filter((r) => r.stage > STAGE.waiting);
    if (arrivals.length > 0) await this.db.query(ARRIVALS, params(arrivals));
    if (further.length > 0) await this.db.query(FURTHER, params(further));
  }

  /**
   * How far the record has got in each of these performances that has one: its highest sequence and
   * its admissions (both kept by write), what an engine that lost nothing has reached. One
   * primary-key lookup per room.
   */
  async progress(performanceIds: readonly string[]): Promise<Map<string, RecordProgress>> {
    if (performanceIds.length === 0) return new Map();
    const { rows } = await this.db.query<{ id: string; seq: string; admitted: string }>(
      `SELECT performance_id::text AS id, seq::text, admitted::text FROM queue_records
       WHERE performance_id = ANY($1::bigint[]) AND seq > 0`,
      [performanceIds],
    );
    return new Map(rows.map((r) => [r.id, { seq: Number(r.seq), admitted: Number(r.admitted) }]));
  }

  /**
   * What queueRestore takes. Drawn is PostgreSQL's own fact (performance_fairness.drawn_at, written
   * before the engine's draw), so a draw whose rows never reached the record is known all the same: a
   * pre-queue row then stands where the draw put it (its index in the drawn order, below zero, as the
   * engine scores it), or with the undrawn rest (waiting, at its arrival sequence).
   */
  async snapshot(performanceId: string): Promise<QueueRecord> {
    const [entries, room] = await Promise.all([
      this.db.query<{ userId: string; seq: string; stage: number; place: string; expiresAt: string | null }>(
        `SELECT user_id::text AS "userId", seq::text, stage, place::text,
                pass_expires_at::text AS "expiresAt"
         FROM queue_entries WHERE performance_id = $1`,
        [performanceId],
      ),
      this.db.query<{ drawn: boolean; order: string[] | null; admitted: string | null }>(
        `SELECT f.drawn_at IS NOT NULL AS drawn,
                CASE WHEN f.drawn_at IS NOT NULL THEN COALESCE(f.prequeue_order::text[], ARRAY(
                  SELECT user_id::text FROM lottery_registrations
                  WHERE performance_id = $1 AND place IS NOT NULL ORDER BY place)) END AS "order",
                (SELECT admitted::text FROM queue_records WHERE performance_id = $1) AS admitted
         FROM (SELECT $1::bigint AS id) p LEFT JOIN performance_fairness f ON f.performance_id = p.id`,
        [performanceId],
      ),
    ]);
    const { drawn, order, admitted } = room.rows[0] ?? { drawn: false, order: null, admitted: null };
    const drawnAt = new Map((order ?? []).map((userId, i, all) => [userId, i - all.length]));
    let seq = 0;
    let opened = drawn;
    const list = entries.rows.map((r): RecordedEntry => {
      const entry: RecordedEntry = {
        userId: r.userId,
        seq: Number(r.seq),
        state: STATES[r.stage]!,
        place: Number(r.place),
        expiresAt: r.expiresAt === null ? null : Number(r.expiresAt),
      };
      if (drawn && entry.state === 'prequeue')
        Object.assign(entry, { state: 'waiting', place: drawnAt.get(entry.userId) ?? entry.seq });
      seq = Math.max(seq, entry.seq);
      if (entry.place >= AFTER_OPENING) opened = true;
      return entry;
    });
    return { seq, opened, drawn, admittedTotal: Number(admitted ?? 0), entries: list };
  }
}
