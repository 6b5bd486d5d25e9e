import { Counter, Gauge, type Registry } from 'prom-client';
import type { MailRepository } from './repository.js';

export interface MailMetrics {
  sent: Counter;
  failed: Counter<'outcome'>;
}

/**
 * The mail queue's series. Pending and the oldest pending message's age are read from PostgreSQL at
 * scrape, so every node reports the same figures (alerts take the max); the counters are this node's.
 */
export function createMailMetrics(
  registry: Registry,
  repository: Pick<MailRepository, 'stats'>,
): MailMetrics {
  const registers = [registry];
  let last = { pending: 0, oldestPendingSeconds: 0 };
  // One read per scrape serves both gauges: the second one's collect finds it done.
  let reading: Promise<void> | undefined;
  const read = () =>
    (reading ??= repository
      .stats()
      .then((s) => void (last = s))
      .catch(() => undefined) // a scrape during a database outage shows the last figures
      .finally(() => setTimeout(() => (reading = undefined), 100).unref()));
  new Gauge({
    name: 'tmomi_mail_pending',
    help: 'Messages waiting to be sent (pending or being sent), across every node.',
    registers,
    async collect() {
      await read();
      this.set(last.pending);
    },
  });
  new Gauge({
    name: 'tmomi_mail_oldest_pending_seconds',
    help: 'Age of the oldest message still waiting to be sent; 0 when none waits.',
    registers,
    async collect() {
      await read();
      this.set(last.oldestPendingSeconds);
    },
  });
  return {
    sent: new Counter({
      name: 'tmomi_mail_sent_total',
      help: 'Messages the SMTP server accepted.',
      registers,
    }),
    failed: new Counter({
      name: 'tmomi_mail_failed_total',
      help: 'Attempts that failed: `retry` (tried again later), `dead` (given up), `bounced` (address refused for good).',
      labelNames: ['outcome'],
      registers,
    }),
  };
}
