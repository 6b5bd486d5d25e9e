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
import { ChallengeService } from './challenge.js';
import type { ChallengeConfig } from '../platform/config.js';
import { AdmissionTicker } from './ticker.js';
import type { Db } from '../platform/db.js';
import { LotteryService } from './lottery.js';
import { LotteryRepository } from './lottery-repository.js';
import { WaitlistMarks } from './waitlist-marks.js';
import { QueueRecordRepository } from './record/repository.js';
import { QueueRecorder } from './record/recorder.js';
import { recordingRoom } from './record/recording-room.js';
import { QueueRestorer } from './record/restorer.js';

export interface Queue {
  queue: QueueService;
  streams: QueueStreams;
  ticker: AdmissionTicker;
  metrics: QueueMetrics;
  /** The proof of work at the door (the join spends it; a lottery registration's route asks for it too). */
  challenges: ChallengeService;
  lottery: LotteryService;
  /** The waiting list's marks: booking writes them after its commits, the poll and stream read them. */
  marks: WaitlistMarks;
  /** The waiting room's record in PostgreSQL (decision 038); none with TMOMI_QUEUE_RECORD=off. */
  recorder: QueueRecorder | undefined;
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
  /** Without it (tests, benchmarks) challenges last DEFAULT_CHALLENGE_TTL_SECONDS. */
  settings?: { challenge?: ChallengeConfig; queueRecord?: boolean };
  db: Db;
}

/** The waiting room's services: joins and passes, the streams that tell each waiter their place, admission. */
export function createQueue(queueDeps: QueueDeps): Queue {
  const metrics = createQueueMetrics(queueDeps.registry);
  // Every fact the record keeps goes through the engine the services are given (decision 038).
  const repository = new QueueRecordRepository(queueDeps.db);
  const recorder =
    queueDeps.settings?.queueRecord === false
      ? undefined
      : new QueueRecorder({ repository, engine: queueDeps.engine, metrics, logger: queueDeps.logger });
  const deps = recorder
    ? { ...queueDeps, engine: recordingRoom(queueDeps.engine, recorder, queueDeps.logger) }
    : queueDeps;
  const challenges = new ChallengeService({
    performances: deps.performances,
    engine: deps.engine,
    secret: deps.secret,
    clock: deps.clock,
    ttlSeconds: deps.settings?.challenge?.ttlSeconds,
  });
  const lottery = new LotteryService({
    repository: new LotteryRepository(deps.db),
    performances: deps.performances,
    engine: deps.engine,
    clock: deps.clock,
    challenges,
  });
  const marks = new WaitlistMarks({ engine: deps.engine, clock: deps.clock, logger: deps.logger });
  const queue = new QueueService({
    engine: deps.engine,
    performances: deps.performances,
    passes: new TokenKind<PassClaims>(deps.secret, 'queue-pass', deps.clock),
    clock: deps.clock,
    metrics,
    turns: deps.turns,
    challenges,
    lottery,
    marks,
  });
  const streams = new QueueStreams({
    engine: deps.engine,
    queue,
    performances: deps.performances,
    clock: deps.clock,
    metrics,
    logger: deps.logger,
    marks,
  });
  const ticker = new AdmissionTicker({
    engine: deps.engine,
    inventory: deps.inventory,
    leader: deps.leader(LEASES.admission),
    clock: deps.clock,
    metrics,
    logger: deps.logger,
    turns: deps.turns,
    draws: lottery,
    ...(recorder && {
      restorer: new QueueRestorer({
        engine: deps.engine,
        repository,
        recorder,
        metrics,
        logger: deps.logger,
      }),
    }),
  });
  return { queue, streams, ticker, metrics, challenges, lottery, marks, recorder };
}
