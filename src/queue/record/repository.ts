import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';
import type { QueueRecord, RecordedEntry, RecordedState } from '../../engine/waiting-room/port.js';
import { AFTER_OPENING } from '../../engine/waiting-room/record.js';
import { queueKeysUntil, type QueueKeysOf } from '../../inventory/performance-cache.js';
import { inTransaction, type Db } from '../../platform/db.js';

/** The stage of each recorded state (migration 0031): an entry is its furthest (seq, stage) fact. */
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

const DIGITS = /^[0-9]+$/;

/** A fact as a line of COPY text (ids checked: anything but digits could add rows or columns). */
function copyLine(r: RecordRow): string {
  if (!DIGITS.test(r.performanceId) || !DIGITS.test(r.userId))
    throw new Error(`not a record fact: ${r.performanceId}/${r.userId}`);
  return `${r.performanceId}\t${r.userId}\t${r.seq}\t${r.stage}\t${r.place}\t${r.expiresAt ?? '\\N'}\n`;
}

/**
 * Each room's progress raised by a batch: its highest sequence, and its admissions counted (each is
 * recorded once, by the leader's tick). The facts of a performance deleted meanwhile change nothing here
 * (its facts are appended all the same, and pruned).
 */
const PROGRESS = `INSERT INTO queue_records AS c (performance_id, seq, admitted)
  SELECT r.performance_id, r.seq, r.admitted FROM unnest($1::bigint[], $2::bigint[], $3::bigint[])
    AS r(performance_id, seq, admitted)
  WHERE EXISTS (SELECT 1 FROM performances p WHERE p.id = r.performance_id)
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
   * Appends facts, in any order and from any node: the entries (the queue_entries view) are the
   * furthest (seq, stage) of each, so a fact older than the entry's changes nothing, and a new entry (a
   * higher seq) brings its own place and expiry. The rooms' progress (queue_records) follows in the same
   * transaction. COPY writes a page of rows at a time, with no index to keep (migration 0032); the commit
   * does not wait for the WAL flush: a fact lost in a database crash is one the record lags by, as when
   * it is lost in a node's buffer (decision 038).
   */
  async write(rows: readonly RecordRow[]): Promise<void> {
    if (rows.length === 0) return;
    const text = rows.map(copyLine).join('');
    const rooms = new Map<string, { seq: number; admitted: number }>();
    for (const r of rows) {
      const room = rooms.get(r.performanceId) ?? { seq: 0, admitted: 0 };
      room.seq = Math.max(room.seq, r.seq);
      if (r.stage === STAGE.admitted) room.admitted++;
      rooms.set(r.performanceId, room);
    }
    await inTransaction(
      this.db,
      async (client) => {
        await pipeline(
          Readable.from([text]),
          client.query(
            copyFrom(
              'COPY queue_facts (performance_id, user_id, seq, stage, place, pass_expires_at) FROM STDIN',
            ),
          ),
        );
        await client.query(PROGRESS, [
          [...rooms.keys()],
          [...rooms.values()].map((r) => r.seq),
          [...rooms.values()].map((r) => r.admitted),
        ]);
      },
      { asyncCommit: true },
    );
  }

  /**
   * Deletes the record of every room whose sale is over and whose queue the engine has forgotten
   * (queueKeysUntil: nothing can be restored into it any more), and the facts of performances deleted
   * while their facts were being written. Returns the rooms pruned. Only when some room is due does it
   * scan the facts (there is no index to find a room's by).
   */
  async prune(now: Date): Promise<number> {
    const { rows } = await this.db.query<{ id: string } & QueueKeysOf>(
      `SELECT r.performance_id::text AS id, p.sales_close_at AS "salesCloseAt",
              p.pass_ttl_seconds AS "passTtlSeconds", p.hold_ttl_seconds AS "holdTtlSeconds"
       FROM queue_records r JOIN performances p ON p.id = r.performance_id WHERE p.sales_close_at < $1`,
      [now],
    );
    const ended = rows.filter((r) => queueKeysUntil(r) < now.getTime()).map((r) => r.id);
    if (ended.length === 0) return 0;
    await inTransaction(this.db, async (client) => {
      await client.query(
        `DELETE FROM queue_facts f WHERE f.performance_id = ANY($1::bigint[])
           OR NOT EXISTS (SELECT 1 FROM performances p WHERE p.id = f.performance_id)`,
        [ended],
      );
      await client.query('DELETE FROM queue_records WHERE performance_id = ANY($1::bigint[])', [ended]);
    });
    return ended.length;
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
