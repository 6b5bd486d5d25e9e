import { AppError } from '../contract/errors.js';
import type { DbClient } from '../platform/db.js';
import type { BroadcastBody, BroadcastProgress, MailMessage } from '../contract/mail.js';
import type { BroadcastRepository, BroadcastRow } from './broadcast-repository.js';
import type { MailKind, MailRepository } from './repository.js';
import { broadcast } from './templates.js';

/** What the auth feature asks of mail: a message carrying a single-use token to an account. */
export interface AccountMailer {
  sendToken(m: { userId: string; purpose: 'password-reset' | 'verify-email'; token: string }): Promise<void>;
}

/**
 * Mail as organizers and admins see it: messages to a performance's ticket holders (previewed, counted,
 * sent, followed), and the list of recent messages. A performance's change or cancellation notice is
 * the same mechanism with another `kind` (`notify`).
 */
export class MailService implements AccountMailer {
  constructor(
    private readonly deps: {
      repository: Pick<MailRepository, 'enqueue' | 'enqueueInvitation' | 'list'>;
      broadcasts: BroadcastRepository;
      delivering: boolean;
      /** Told when a message that should go at once was queued. */
      onQueued?: () => void;
    },
  ) {}

  async preview(performanceId: string, body: BroadcastBody) {
    const title = await this.titleOf(performanceId);
    const recipients = await this.deps.broadcasts.countHolders(performanceId);
    return {
      recipients,
      en: broadcast(body.subject.en, body.body.en, title, 'en'),
      ko: broadcast(body.subject.ko, body.body.ko, title, 'ko'),
    };
  }

  /** Queues one message per ticket holder; a performance with none answers a broadcast of 0, not an error. */
  async send(performanceId: string, body: BroadcastBody, by: string | null): Promise<BroadcastProgress> {
    return this.notify(performanceId, { ...body, kind: 'message', by });
  }

  /** The bulk mechanism, for any notice to every ticket holder (a message, a change, a cancellation). */
  async notify(
    performanceId: string,
    n: BroadcastBody & { kind: string; by: string | null },
  ): Promise<BroadcastProgress> {
    await this.titleOf(performanceId);
    const { id } = await this.deps.broadcasts.createBroadcast({
      performanceId,
      kind: n.kind,
      subject: n.subject,
      body: n.body,
      createdBy: n.by,
    });
    this.deps.onQueued?.();
    return this.progress(id);
  }

  async progress(broadcastId: string): Promise<BroadcastProgress> {
    const row = await this.deps.broadcasts.broadcast(broadcastId);
    if (!row) throw new AppError('MESSAGE_NOT_FOUND', undefined, { broadcastId });
    return progressOf(row);
  }

  async broadcasts(performanceId: string): Promise<{ broadcasts: BroadcastProgress[] }> {
    await this.titleOf(performanceId);
    return { broadcasts: (await this.deps.broadcasts.broadcastsOf(performanceId)).map(progressOf) };
  }

  async messages(q: {
    limit: number;
    before?: string;
    to?: string;
  }): Promise<{ delivering: boolean; messages: MailMessage[]; next: string | null }> {
    const { limit } = q;
    const rows = await this.deps.repository.list(q);
    const last = rows.at(-1);
    return {
      delivering: this.deps.delivering,
      messages: rows.map((r) => ({
        id: r.id,
        kind: r.kind,
        recipient: r.recipient,
        locale: r.locale,
        state: r.state,
        subject: r.subject,
        text: r.textBody,
        attempts: r.attempts,
        lastError: r.lastError,
        createdAt: r.createdAt.toISOString(),
        sentAt: r.sentAt?.toISOString() ?? null,
      })),
      next: rows.length === limit && last ? last.id : null,
    };
  }

  async sendToken(m: {
    userId: string;
    purpose: 'password-reset' | 'verify-email';
    token: string;
  }): Promise<void> {
    const kind: MailKind = m.purpose;
    // The token is unique, so it names the message: asked twice, it is queued once.
    await this.deps.repository.enqueue({
      source: `${kind}:${m.token.slice(0, 16)}`,
      kind,
      userId: m.userId,
      data: { token: m.token },
    });
    this.deps.onQueued?.();
  }

  /** An invitation into an organization, queued in the invitation's own transaction. */
  async queueInvitation(
    m: { email: string; token: string; organization: string; role: string; inviterId: string },
    client: Pick<DbClient, 'query'>,
  ): Promise<void> {
    await this.deps.repository.enqueueInvitation(client, {
      source: `invitation:${m.token.slice(0, 16)}`,
      email: m.email,
      inviterId: m.inviterId,
      data: { token: m.token, organization: m.organization, role: m.role, inviterId: m.inviterId },
    });
  }

  /** A message queued in a transaction that has now committed: deliver it without waiting for a poll. */
  queued(): void {
    this.deps.onQueued?.();
  }

  private async titleOf(performanceId: string): Promise<string> {
    const title = await this.deps.broadcasts.performanceTitle(performanceId);
    if (title === undefined) throw new AppError('PERFORMANCE_NOT_FOUND', undefined, { performanceId });
    return title;
  }
}

function progressOf(row: BroadcastRow): BroadcastProgress {
  return {
    id: row.id,
    performanceId: row.performanceId,
    recipients: row.recipients,
    sent: row.sent,
    pending: row.pending,
    failed: row.failed,
    createdAt: row.createdAt.toISOString(),
  };
}
