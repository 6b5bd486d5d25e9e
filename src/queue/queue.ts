import type { Registry } from 'prom-client';
import type { LeaderElector } from '../engine/coordination/leader.js';
import type { Engine } from '../engine/index.js';
import { LEASES } from '../engine/keys.js';
import type { PerformanceCache } from '../inventory/performance-cache.js';
import type { InventoryRepository } from '../inventory/repository.js';
import type { TurnNotices } from './turn-notices.js';
import type { Clock } from '../platform/clock.js';
import type { Logger } from '../platform/logger.js';
import { TokenKind } from '../platform/tokens.js';
import { createQueueMetrics, type QueueMetrics } from './metrics.js';
import { QueueService, type PassClaims } from './service.js';
import { QueueStreams } from './streams.js';
import { AdmissionTicker } from './ticker.js';

export interface Queue {
  queue: QueueService;
  streams: QueueStreams;
  ticker: AdmissionTicker;
  metrics: QueueMetrics;
}

export interface QueueDeps {
  engine: Engine;
  inventory: InventoryRepository;
  performances: PerformanceCache;
  secret: string;
  registry: Registry;
  clock: Clock;
  logger: Logger;
  turns: TurnNotices;
  leader: (name: string) => LeaderElector;
}

/** The waiting room's services: joins and passes, the streams that tell each waiter their place, admission. */
export function createQueue(deps: QueueDeps): Queue {
  const metrics = createQueueMetrics(deps.registry);
  const queue = new QueueService({
    engine: deps.engine,
    performances: deps.performances,
    passes: new TokenKind<PassClaims>(deps.secret, 'queue-pass', deps.clock),
    clock: deps.clock,
    metrics,
    turns: deps.turns,
  });
  const streams = new QueueStreams({
    engine: deps.engine,
    queue,
    performances: deps.performances,
    clock: deps.clock,
    metrics,
    logger: deps.logger,
  });
  const ticker = new AdmissionTicker({
    engine: deps.engine,
    inventory: deps.inventory,
    leader: deps.leader(LEASES.admission),
    clock: deps.clock,
    metrics,
    logger: deps.logger,
    turns: deps.turns,
  });
  return { queue, streams, ticker, metrics };
}
