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
import type { Db } from '../platform/db.js';
import { LotteryService, type RegistrationChallenge } from './lottery.js';
import { LotteryRepository } from './lottery-repository.js';

export interface Queue {
  queue: QueueService;
  streams: QueueStreams;
  ticker: AdmissionTicker;
  metrics: QueueMetrics;
  lottery: LotteryService;
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
  db: Db;
  /** What a lottery registration must pass besides the login (issue 22's proof of work); none: nothing. */
  registrationChallenge?: RegistrationChallenge;
}

/** The waiting room's services: joins and passes, the streams that tell each waiter their place, admission. */
export function createQueue(deps: QueueDeps): Queue {
  const metrics = createQueueMetrics(deps.registry);
  const lottery = new LotteryService({
    repository: new LotteryRepository(deps.db),
    performances: deps.performances,
    engine: deps.engine,
    clock: deps.clock,
    ...(deps.registrationChallenge && { challenge: deps.registrationChallenge }),
  });
  const queue = new QueueService({
    engine: deps.engine,
    performances: deps.performances,
    passes: new TokenKind<PassClaims>(deps.secret, 'queue-pass', deps.clock),
    clock: deps.clock,
    metrics,
    turns: deps.turns,
    lottery,
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
    lottery,
  });
  return { queue, streams, ticker, metrics, lottery };
}
