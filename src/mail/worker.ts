import { randomUUID } from 'node:crypto';
import type { Counters } from '../engine/coordination/port.js';
import { BackgroundLoop } from '../engine/coordination/loop.js';
import { mailSentInKey } from '../engine/keys.js';
import type { Clock } from '../platform/clock.js';
import type { Logger } from '../platform/logger.js';
import type { MailMetrics } from './metrics.js';
import type { BroadcastRepository } from './broadcast-repository.js';
import type { Renderer } from './render.js';
import type { ClaimedMessage, MailRepository } from './repository.js';
import { SendError, type MailTransport } from './transport.js';

export interface MailWorkerOptions {
  repository: MailRepository;
  broadcasts: Pick<BroadcastRepository, 'composeNotices'>;
  renderer: Renderer;
  transport: MailTransport;
  engine: Counters;
  metrics: MailMetrics;
  clock: Clock;
  logger: Logger;
  /** SMTP sends at once on this node; also the most pool connections the worker holds at once. */
  concurrency: number;
  /** Broadcast messages a second, all nodes together. */
  ratePerSecond: number;
  retry: { baseMs: number; maxMs: number; maxAttempts: number };
  /** How long a claim is this node's alone: longer than any attempt can take (SMTP timeouts are 30 s). */
  leaseMs?: number;
}

const OUTBOX_BATCH = 500;
const NOTICE_BATCH = 10;

/**
 * Runs on every node, no leader: turns outbox events into messages and delivers them. Both steps claim
 * their rows with SKIP LOCKED, so nodes share the work and never take the same row; a message's claim
 * is an id of this attempt, and only that claim may settle it (decision 021).
 */
export class MailWorker {
  private readonly compose: BackgroundLoop;
  private readonly deliver: BackgroundLoop;
  private readonly leaseMs: number;
  /** A node that does not run the worker (the harness's default) must not deliver on a kick either. */
  private started = false;
  /**
   * The mail server is down: nothing is claimed until `until`, and messages already claimed go back
   * untried. Without it every waiting message was rendered (PDF, QR) and tried each backoff, which
   * took a sale's CPU for nothing. `pauseMs` doubles while the server stays down. Wall-clock time
   * (not the injected clock): it paces real sockets, and a test's frozen clock must not stop mail.
   */
  private down: { until: number; pauseMs: number } | null = null;

  constructor(private readonly opts: MailWorkerOptions) {
    this.leaseMs = opts.leaseMs ?? 120_000;
    const failure = (message: string) => ({ message, level: 'warn' as const });
    this.compose = new BackgroundLoop({
      everyMs: 500,
      pass: () => this.composePass(),
      failure: failure('mail: reading the outbox failed'),
      logger: opts.logger,
      runAtStart: true,
    });
    this.deliver = new BackgroundLoop({
      everyMs: 250,
      pass: () => this.deliverPass(),
      failure: failure('mail: delivery pass failed'),
      logger: opts.logger,
      runAtStart: true,
    });
  }

  start(): void {
    this.started = true;
    this.compose.start();
    this.deliver.start();
  }

  async stop(): Promise<void> {
    this.started = false;
    await Promise.all([this.compose.stop(), this.deliver.stop()]);
    this.opts.transport.close();
  }

  /** New messages to send now (an account's token): no need to wait for the next tick. */
  kick(): void {
    if (this.started) this.deliver.kick();
  }

  private async composePass(): Promise<void> {
    // A performance's move or cancellation: a broadcast to its holders (few events, each one statement).
    if ((await this.opts.broadcasts.composeNotices(NOTICE_BATCH)) > 0) this.deliver.kick();
    const read = await this.opts.repository.composeFromOutbox(OUTBOX_BATCH);
    if (read > 0) this.deliver.kick();
    if (read === OUTBOX_BATCH && !this.compose.stopping) await this.composePass();
  }

  private async deliverPass(): Promise<void> {
    if (this.isDown()) return;
    // After a pause, one message probes the server before the lanes fill again.
    const limit = this.down ? 1 : this.opts.concurrency * 8;
    const claimed = await this.opts.repository.claim({
      limit,
      bulk: await this.bulkAllowance(limit),
      claim: randomUUID(),
      leaseMs: this.leaseMs,
    });
    // `concurrency` lanes, each taking the next message when it is done with one.
    let next = 0;
    const lane = async () => {
      while (next < claimed.length) await this.attempt(claimed[next++]!);
    };
    await Promise.all(Array.from({ length: Math.min(this.opts.concurrency, claimed.length) }, lane));
    if (claimed.length > 0 && !this.deliver.stopping) await this.deliverPass();
  }

  /**
   * How many broadcast messages this pass may take: what is left of this second's share, counted in the
   * engine so the rate holds for all nodes together. What a pass takes and cannot send is sent anyway.
   */
  private async bulkAllowance(want: number): Promise<number> {
    const second = Math.floor(this.opts.clock.now() / 1000);
    const total = await this.opts.engine.incr(mailSentInKey(second), want, 5_000);
    return Math.max(0, Math.min(want, this.opts.ratePerSecond - (total - want)));
  }

  private isDown(): boolean {
    return this.down !== null && Date.now() < this.down.until;
  }

  private async attempt(m: ClaimedMessage): Promise<void> {
    const { repository, renderer, transport, metrics, logger, retry } = this.opts;
    if (this.isDown()) {
      await repository.release(m.id, m.claim, this.down!.until - Date.now());
      return;
    }
    if (m.bounced) {
      await repository.settle(m.id, m.claim, { state: 'skipped', error: 'the address refused mail before' });
      return;
    }
    let rendered: { subject: string; text: string; html: string } | undefined;
    try {
      const letter = await renderer.render(m, { attachments: transport.delivering });
      if (!letter) {
        await repository.settle(m.id, m.claim, { state: 'skipped', error: 'nothing left to say' });
        return;
      }
      rendered =
        m.subject === null ? { subject: letter.subject, text: letter.text, html: letter.html } : undefined;
      if (!transport.delivering) {
        await repository.settle(m.id, m.claim, { state: 'kept', rendered });
        return;
      }
      await transport.send({ messageId: m.messageId, to: m.recipient, letter });
      this.down = null;
      if (await repository.settle(m.id, m.claim, { state: 'sent', rendered })) metrics.sent.inc();
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      const serverDown = err instanceof SendError && err.serverDown;
      // The server answered (it refused this message, or the message never got to it): it is not down.
      if (!serverDown) this.down = null;
      if (err instanceof SendError && err.permanent) {
        metrics.failed.inc({ outcome: 'bounced' });
        await repository.markBounced(m.recipient);
        await repository.settle(m.id, m.claim, { state: 'dead', error, rendered });
      } else if (m.attempts >= retry.maxAttempts) {
        metrics.failed.inc({ outcome: 'dead' });
        logger.warn({ messageId: m.id, error }, 'mail: given up after the last attempt');
        await repository.settle(m.id, m.claim, { state: 'dead', error, rendered });
      } else {
        metrics.failed.inc({ outcome: 'retry' });
        const backoff = Math.min(retry.maxMs, retry.baseMs * 2 ** (m.attempts - 1));
        // Jitter, so messages that failed together do not all come back in the same instant.
        const retryInMs = Math.round(backoff * (0.75 + Math.random() * 0.5));
        if (serverDown) {
          const pauseMs = Math.min(retry.maxMs, this.down ? this.down.pauseMs * 2 : retry.baseMs);
          if (!this.isDown())
            logger.warn({ error, pauseMs }, 'mail: the mail server is down; pausing delivery');
          this.down = { until: Date.now() + pauseMs, pauseMs };
        }
        await repository.settle(m.id, m.claim, { state: 'pending', error, retryInMs, rendered });
      }
    }
  }
}
