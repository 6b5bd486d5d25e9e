import type { BatcherOptions } from '../platform/batcher.js';
import type { Db } from '../platform/db.js';
import type { BookingMetrics } from './metrics.js';

/** How many batched calls of one kind may run at once; more calls wait and join the next batch. */
const MAX_IN_FLIGHT = 4;
const MAX_BATCH = 200;

/** PostgreSQL's SQLSTATE for a deadlock victim: its transaction was undone whole. */
export const DEADLOCK = '40P01';

/** The SQLSTATE of a failed query, if it is one. */
export const sqlState = (err: unknown): string | undefined => (err as { code?: string }).code;

/**
 * How a booking repository batches one kind of call to PostgreSQL (docs/decisions/006), the batch
 * sizes observed under `call` in tmomi_booking_db_batch_size.
 */
export const dbBatching = (call: string, metrics?: Pick<BookingMetrics, 'dbBatchSize'>): BatcherOptions => ({
  maxBatch: MAX_BATCH,
  maxInFlight: MAX_IN_FLIGHT,
  onBatch: (size) => metrics?.dbBatchSize.observe({ call }, size),
});

/** What a repository with batched calls is built from: the pool, and where its batch sizes go. */
export interface BatchedRepositoryOptions {
  db: Db;
  metrics?: Pick<BookingMetrics, 'dbBatchSize'>;
}
