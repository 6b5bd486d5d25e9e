import type { Registry } from 'prom-client';
import type { OrderService } from '../booking/orders/service.js';
import type { Counters } from '../engine/coordination/port.js';
import type { Clock } from '../platform/clock.js';
import type { MailConfig } from '../platform/config.js';
import type { Db } from '../platform/db.js';
import type { Logger } from '../platform/logger.js';
import { createMailMetrics } from './metrics.js';
import { Renderer } from './render.js';
import { BroadcastRepository } from './broadcast-repository.js';
import { MailRepository } from './repository.js';
import { MailService } from './service.js';
import { keepingTransport, smtpTransport, type MailTransport } from './transport.js';
import { MailWorker } from './worker.js';
import { TurnMail } from './turns.js';

export interface Mail {
  service: MailService;
  turns: TurnMail;
  worker: MailWorker;
  repository: MailRepository;
}

/** The sender's domain, for Message-IDs: `Tmomi <no-reply@tickets.example.com>` → tickets.example.com. */
export function senderDomain(from: string): string {
  return /@([\w.-]+)/.exec(from)?.[1] ?? 'tmomi.local';
}

/** Mail's parts, wired: the queue's repository, the worker on every node, the organizers' service. */
export function createMail(deps: {
  db: Db;
  engine: Counters;
  orders: Pick<OrderService, 'forMail'>;
  config: MailConfig;
  registry: Registry;
  clock: Clock;
  logger: Logger;
  /** Overrides the transport the configuration names (tests). */
  transport?: MailTransport;
}): Mail {
  const { config } = deps;
  const domain = senderDomain(config.from);
  const repository = new MailRepository({ db: deps.db, domain });
  const broadcasts = new BroadcastRepository({ db: deps.db, domain });
  const transport =
    deps.transport ??
    (config.smtpUrl
      ? smtpTransport({ url: config.smtpUrl, from: config.from, connections: config.concurrency })
      : keepingTransport);
  const worker = new MailWorker({
    repository,
    broadcasts,
    renderer: new Renderer({ orders: deps.orders, broadcasts, publicUrl: config.publicUrl }),
    transport,
    engine: deps.engine,
    metrics: createMailMetrics(deps.registry, repository),
    clock: deps.clock,
    logger: deps.logger,
    concurrency: config.concurrency,
    ratePerSecond: config.ratePerSecond,
    retry: config.retry,
  });
  const service = new MailService({
    repository,
    broadcasts,
    delivering: transport.delivering,
    onQueued: () => worker.kick(),
  });
  const turns = new TurnMail({ repository, logger: deps.logger, delayMs: config.turnDelayMs });
  return { service, worker, repository, turns };
}
