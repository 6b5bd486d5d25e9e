import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/**
 * Waiting-room metrics. The `performance` label only ever takes the ids of performances that exist
 * and whose queue is or was open on this node — the ticker's list from PostgreSQL, or a join the
 * service accepted — never an id as a request gave it (queue.test.ts); the gauges of a closed room are
 * removed.
 */
export interface QueueMetrics {
  waiting: Gauge<'performance'>;
  activePasses: Gauge<'performance'>;
  maxActive: Gauge<'performance'>;
  admitted: Counter<'performance'>;
  skipped: Counter<'performance'>;
  joins: Counter<'performance'>;
  joinBatchSize: Histogram;
  sseConnections: Gauge;
  sseStreams: Counter;
  leader: Gauge;
  /** The waiting room's record (decision 038): writes that failed, facts dropped, queues restored. */
  recordFailures: Counter<'kind'>;
  recordDropped: Counter;
  restores: Counter<'performance'>;
}

export function createQueueMetrics(registry: Registry): QueueMetrics {
  const registers = [registry];
  return {
    waiting: new Gauge({
      name: 'tmomi_queue_waiting',
      help: 'Entries waiting (pre-queue included).',
      labelNames: ['performance'],
      registers,
    }),
    activePasses: new Gauge({
      name: 'tmomi_queue_active_passes',
      help: 'Queue passes neither used nor expired.',
      labelNames: ['performance'],
      registers,
    }),
    maxActive: new Gauge({
      name: 'tmomi_queue_max_active',
      help: 'The configured ceiling of active passes: admission pauses while active passes reach it.',
      labelNames: ['performance'],
      registers,
    }),
    admitted: new Counter({
      name: 'tmomi_queue_admitted_total',
      help: 'Entries admitted by the ticker (rate() gives the admission rate).',
      labelNames: ['performance'],
      registers,
    }),
    skipped: new Counter({
      name: 'tmomi_queue_skipped_total',
      help: 'Stale entries skipped at their turn.',
      labelNames: ['performance'],
      registers,
    }),
    joins: new Counter({
      name: 'tmomi_queue_joins_total',
      help: 'Join requests answered.',
      labelNames: ['performance'],
      registers,
    }),
    joinBatchSize: new Histogram({
      name: 'tmomi_queue_join_batch_size',
      help: 'Joins sent to the engine in one call.',
      buckets: [1, 2, 5, 10, 20, 50, 100, 200],
      registers,
    }),
    leader: new Gauge({
      name: 'tmomi_admission_leader',
      help: '1 on the node whose ticker currently admits (holds the lease), 0 elsewhere.',
      registers,
    }),
    recordFailures: new Counter({
      name: 'tmomi_queue_record_failures_total',
      help: "Writes of the waiting room's record to PostgreSQL that failed (their facts are lost to it).",
      labelNames: ['kind'],
      registers,
    }),
    recordDropped: new Counter({
      name: 'tmomi_queue_record_dropped_total',
      help: "Facts of the waiting room's record dropped because the node's write buffer was full.",
      registers,
    }),
    restores: new Counter({
      name: 'tmomi_queue_restores_total',
      help: 'Waiting rooms rebuilt from the record after the engine lost them.',
      labelNames: ['performance'],
      registers,
    }),
    // Event streams bypass the per-route HTTP metrics (the response is taken over for the stream's
    // life), so opens are counted here: a burst of them is buyers reconnecting after a node drained.
    sseStreams: new Counter({
      name: 'tmomi_sse_streams_total',
      help: 'Waiting-room event streams opened on this node.',
      registers,
    }),
    sseConnections: new Gauge({
      name: 'tmomi_sse_connections',
      help: 'Waiting-room event streams open on this node.',
      registers,
    }),
  };
}
