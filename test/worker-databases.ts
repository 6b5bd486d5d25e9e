import { inject } from 'vitest';

/** The databases of one worker (test/global-setup.ts makes a set for each). */
export interface WorkerDatabases {
  embedded: string;
  /** Empty when DATABASE_URL is not set. */
  scaled: string;
  /** The scaled database (else the embedded one) through PgBouncer in transaction mode; empty without pgbouncer. */
  pgbouncer: string;
}

/**
 * The databases of the worker running this file (vitest's VITEST_POOL_ID, 1 up to the number of workers).
 * Files that run side by side (vitest.config.ts) never share one: an app's background work reaches across
 * its whole database — a sweeper whose test clock was moved hours ahead expires every live hold there, a
 * mail worker sends every pending message — and some tests count a whole table.
 */
export function workerDatabases(): WorkerDatabases {
  const databases = inject('databases');
  const worker = Number(process.env.VITEST_POOL_ID ?? 1);
  const own = databases[worker - 1];
  if (!own) {
    throw new Error(
      `worker ${worker} has no databases of its own: test/global-setup.ts made ${databases.length} sets, ` +
        'one per worker of the project that runs the most (vitest.config.ts)',
    );
  }
  return own;
}
