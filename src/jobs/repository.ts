import { inTransaction, type Db, type DbClient } from '../platform/db.js';

export type JobState = 'queued' | 'running' | 'done' | 'failed';

export interface JobRow {
  id: string;
  kind: string;
  state: JobState;
  done: number;
  total: number;
  payload: Record<string, unknown>;
  error: string | null;
}

const COLUMNS = `id::text, kind, state, done, total, payload, error`;

/** A running job whose node has not reported for this long is taken to be abandoned. */
export const ABANDONED_AFTER_SECONDS = 30;

export class JobRepository {
  constructor(private readonly db: Db) {}

  async create(
    client: DbClient | Db,
    job: { kind: string; total: number; payload: object },
  ): Promise<string> {
    const { rows } = await client.query<{ id: string }>(
      `INSERT INTO jobs (kind, total, payload) VALUES ($1, $2, $3) RETURNING id::text`,
      [job.kind, job.total, JSON.stringify(job.payload)],
    );
    return rows[0]!.id;
  }

  async find(id: string): Promise<JobRow | undefined> {
    const { rows } = await this.db.query<JobRow>(`SELECT ${COLUMNS} FROM jobs WHERE id = $1`, [id]);
    return rows[0];
  }

  /** The newest job of this kind for this performance (the CLI resumes it rather than starting anew). */
  async latestFor(kind: string, performanceId: string): Promise<JobRow | undefined> {
    const { rows } = await this.db.query<JobRow>(
      `SELECT ${COLUMNS} FROM jobs WHERE kind = $1 AND payload->>'performanceId' = $2 ORDER BY jobs.id DESC LIMIT 1`,
      [kind, performanceId],
    );
    return rows[0];
  }

  /**
   * Takes the oldest queued job, or a running one abandoned by a dead node, for this node. SKIP LOCKED
   * plus the state change make the claim exclusive: two nodes never run the same job at once.
   */
  async claimNext(onlyId?: string): Promise<JobRow | undefined> {
    const { rows } = await this.bookkeeping<JobRow>(
      `UPDATE jobs SET state = 'running', heartbeat_at = now(), updated_at = now()
       WHERE id = (
         SELECT id FROM jobs
         WHERE (state = 'queued' OR (state = 'running' AND heartbeat_at < now() - make_interval(secs => $1)))
           AND ($2::bigint IS NULL OR id = $2)
         ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
       RETURNING ${COLUMNS}`,
      [ABANDONED_AFTER_SECONDS, onlyId ?? null],
    );
    return rows[0];
  }

  /** Records progress in the same transaction as the work it reports, so the two never disagree. */
  async progress(client: DbClient | Db, id: string, done: number): Promise<void> {
    await client.query(`UPDATE jobs SET done = $2, heartbeat_at = now(), updated_at = now() WHERE id = $1`, [
      id,
      done,
    ]);
  }

  async finish(id: string, state: 'done' | 'failed', error?: string): Promise<void> {
    await this.bookkeeping(`UPDATE jobs SET state = $2, error = $3, updated_at = now() WHERE id = $1`, [
      id,
      state,
      error ?? null,
    ]);
  }

  /** Gives a claimed job back (this node is stopping): another node, or this one restarted, resumes it. */
  async release(id: string): Promise<void> {
    await this.db.query(
      `UPDATE jobs SET state = 'queued', updated_at = now() WHERE id = $1 AND state = 'running'`,
      [id],
    );
  }

  /**
   * A claim or a finish whose commit does not wait for the WAL flush. Losing one in a database crash
   * is harmless — the job is claimed again and resumes from its last committed chunk, which is where a
   * finished job already is — while waiting for it stalled the runner between jobs behind the WAL that
   * the last job's chunks (committed without waiting) left unflushed: 6 ms a job in bench/generate.
   */
  private bookkeeping<R extends object = object>(sql: string, params: unknown[]) {
    return inTransaction(this.db, (client) => client.query<R>(sql, params), { asyncCommit: true });
  }
}
