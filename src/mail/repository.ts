import type { Db } from '../platform/db.js';
import type { Locale } from '../contract/mail.js';

export type MailKind =
  | 'order-confirmation'
  | 'refund-receipt'
  | 'broadcast'
  | 'queue-turn'
  | 'waitlist-offer'
  | 'password-reset'
  | 'verify-email'
  | 'invitation';

export type MailState = 'pending' | 'sending' | 'sent' | 'dead' | 'skipped' | 'kept';

/** A message claimed for one attempt: `claim` names this attempt, and only it may settle the message. */
export interface ClaimedMessage {
  id: string;
  messageId: string;
  kind: MailKind;
  userId: string | null;
  recipient: string;
  locale: Locale;
  data: Record<string, unknown>;
  broadcastId: string | null;
  subject: string | null;
  textBody: string | null;
  htmlBody: string | null;
  attempts: number;
  claim: string;
  /** The address refused mail for good before: the message is skipped, not sent. */
  bounced: boolean;
}

export interface MessageRow {
  id: string;
  kind: string;
  recipient: string;
  locale: Locale;
  state: MailState;
  subject: string | null;
  textBody: string | null;
  attempts: number;
  lastError: string | null;
  createdAt: Date;
  sentAt: Date | null;
}

/** A new message's Message-ID: made by PostgreSQL once, so every attempt sends the same one. */
export const messageIdSql = (domain: string) =>
  `'<' || gen_random_uuid() || '@${domain.replace(/[^\w.-]/g, '')}>'`;

/** Outbox topics about a whole performance: each becomes a broadcast to its holders (BroadcastRepository). */
export const PERFORMANCE_TOPICS = ['performance.changed', 'performance.cancelled'];

/** Outbox topics that become mail, and the kind they become. */
const TOPIC_KIND = `CASE c.topic WHEN 'order.paid' THEN 'order-confirmation' WHEN 'waitlist.offered' THEN 'waitlist-offer' ELSE 'refund-receipt' END`;

/** The mail queue in PostgreSQL: messages made set-based, claimed with SKIP LOCKED, settled by claim. */
export class MailRepository {
  private readonly messageId: string;

  private readonly db: Db;

  constructor(opts: {
    db: Db;
    /** The domain of Message-IDs: the sender's own, so that they are unique in the world. */
    domain: string;
  }) {
    this.db = opts.db;
    this.messageId = messageIdSql(opts.domain);
  }

  /**
   * Turns up to `limit` outbox events into messages, in one statement: the events are claimed with
   * SKIP LOCKED (two nodes never take the same), each makes at most one message (its source is unique),
   * and all are marked published in the same transaction. Returns how many events were read.
   */
  async composeFromOutbox(limit: number): Promise<number> {
    const { rows } = await this.db.query<{ n: number }>(
      `WITH c AS (
         SELECT id, topic, payload FROM outbox WHERE published_at IS NULL AND topic <> ALL ($2)
         ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED
       ), made AS (
         INSERT INTO mail_messages (source, message_id, kind, user_id, recipient, locale, data)
         SELECT 'outbox:' || c.id, ${this.messageId}, ${TOPIC_KIND}, u.id, u.email, u.locale,
                c.payload || jsonb_build_object('userId', u.id::text)
         FROM c LEFT JOIN orders o ON o.id = (c.payload->>'orderId')::bigint
           JOIN users u ON u.id = coalesce(o.user_id, (c.payload->>'userId')::bigint)
         WHERE c.topic IN ('order.paid', 'order.refunded', 'waitlist.offered')
         ORDER BY c.id
         ON CONFLICT (source) DO NOTHING
       ), done AS (
         UPDATE outbox SET published_at = now() WHERE id IN (SELECT id FROM c) RETURNING 1
       )
       SELECT count(*)::int AS n FROM done`,
      [limit, PERFORMANCE_TOPICS],
    );
    return rows[0]?.n ?? 0;
  }

  /** One message to one account (a token, a turn): made once per `source`. */
  async enqueue(m: {
    source: string;
    kind: MailKind;
    userId: string;
    data: Record<string, unknown>;
  }): Promise<void> {
    await this.db.query(
      `INSERT INTO mail_messages (source, message_id, kind, user_id, recipient, locale, data)
       SELECT $1, ${this.messageId}, $2, u.id, u.email, u.locale, $4 FROM users u WHERE u.id = $3
       ON CONFLICT (source) DO NOTHING`,
      [m.source, m.kind, m.userId, m.data],
    );
  }

  /**
   * An invitation into an organization, to an address that may have no account yet: in the account's
   * language when it has one, else the inviter's. Written in the invitation's transaction (`client`), so
   * a link is mailed exactly when its invitation exists.
   */
  async enqueueInvitation(
    client: Pick<Db, 'query'>,
    m: { source: string; email: string; inviterId: string; data: Record<string, unknown> },
  ): Promise<void> {
    await client.query(
      `INSERT INTO mail_messages (source, message_id, kind, user_id, recipient, locale, data)
       SELECT $1, ${this.messageId}, 'invitation', u.id, $2,
              coalesce(u.locale, (SELECT locale FROM users WHERE id = $3), 'en'),
              $4::jsonb || jsonb_build_object('inviter', coalesce((SELECT name FROM users WHERE id = $3), ''))
       FROM (SELECT 1) AS one LEFT JOIN users u ON u.email = $2
       ON CONFLICT (source) DO NOTHING`,
      [m.source, m.email, m.inviterId, m.data],
    );
  }

  /**
   * "It's your turn" notices, one per admitted entry, due after `delayMs`: long enough for a node that
   * shows the buyer their pass to cancel it first (src/queue/turn-notices.ts).
   */
  async enqueueTurns(
    performanceId: string,
    entries: { userId: string; passId: number; expiresAt: number }[],
    delayMs: number,
  ): Promise<void> {
    await this.db.query(
      `INSERT INTO mail_messages (source, message_id, kind, user_id, recipient, locale, data, next_attempt_at)
       SELECT 'queue-turn:' || $1 || ':' || e.pass_id, ${this.messageId}, 'queue-turn', u.id, u.email, u.locale,
              jsonb_build_object('performanceId', $1::text, 'expiresAt', to_char(to_timestamp(e.expires_at / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')),
              now() + $5 * interval '1 millisecond'
       FROM unnest($2::bigint[], $3::bigint[], $4::float8[]) AS e (user_id, pass_id, expires_at)
       JOIN users u ON u.id = e.user_id AND u.mail_bounced_at IS NULL
       ON CONFLICT (source) DO NOTHING`,
      [
        performanceId,
        entries.map((e) => e.userId),
        entries.map((e) => e.passId),
        entries.map((e) => e.expiresAt),
        delayMs,
      ],
    );
  }

  /**
   * The buyer saw their pass: their notice, if still waiting, is not sent. The buyer may see it before
   * the admitting node has written the notice (a stream is told at once): then the notice is written
   * here already skipped, and the admitting node's insert finds it and leaves it so.
   */
  async cancelTurn(performanceId: string, userId: string, passId: number): Promise<void> {
    await this.db.query(
      `INSERT INTO mail_messages (source, message_id, kind, user_id, recipient, locale, data, state, last_error)
       SELECT 'queue-turn:' || $1 || ':' || $3, ${this.messageId}, 'queue-turn', u.id, u.email, u.locale,
              jsonb_build_object('performanceId', $1::text), 'skipped', 'seen in the app'
       FROM users u WHERE u.id = $2
       ON CONFLICT (source) DO UPDATE SET state = 'skipped', last_error = 'seen in the app'
       WHERE mail_messages.state = 'pending'`,
      [performanceId, userId, passId],
    );
  }

  /**
   * Claims messages for one attempt each: those due (transactional first, then at most `bulk`
   * broadcast ones), and those whose last claim's lease ran out (a node that died mid-send). Locked rows
   * are skipped, so nodes claiming at once split the work and never share a message.
   */
  async claim(opts: {
    limit: number;
    bulk: number;
    claim: string;
    leaseMs: number;
  }): Promise<ClaimedMessage[]> {
    const { rows } = await this.db.query<ClaimedMessage>(
      `WITH now_due AS (
         SELECT id FROM mail_messages WHERE state = 'pending' AND NOT bulk AND next_attempt_at <= now()
         ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED
       ), bulk_due AS (
         SELECT id FROM mail_messages WHERE state = 'pending' AND bulk AND next_attempt_at <= now()
         ORDER BY next_attempt_at LIMIT $2 FOR UPDATE SKIP LOCKED
       ), lapsed AS (
         SELECT id FROM mail_messages WHERE state = 'sending' AND lease_until < now()
         ORDER BY lease_until LIMIT $1 FOR UPDATE SKIP LOCKED
       ), due AS (
         SELECT id FROM now_due UNION ALL SELECT id FROM bulk_due UNION ALL SELECT id FROM lapsed
       )
       UPDATE mail_messages m SET state = 'sending', claim = $3, lease_until = now() + $4 * interval '1 millisecond',
         attempts = m.attempts + 1
       FROM due WHERE m.id = due.id
       RETURNING m.id::text, m.message_id AS "messageId", m.kind, m.user_id::text AS "userId", m.recipient,
         m.locale, m.data, m.broadcast_id::text AS "broadcastId", m.subject, m.text_body AS "textBody",
         m.html_body AS "htmlBody", m.attempts, m.claim,
         EXISTS (SELECT 1 FROM users u WHERE u.id = m.user_id AND u.mail_bounced_at IS NOT NULL) AS bounced`,
      [opts.limit, opts.bulk, opts.claim, opts.leaseMs],
    );
    return rows;
  }

  /**
   * Settles this claim's attempt; false when the claim was lost (its lease ran out and another node
   * took the message). A token in the message is struck from the stored copy once it is out: only its
   * hash stays in the database.
   */
  async settle(
    id: string,
    claim: string,
    outcome: (
      | { state: 'sent' | 'kept' }
      | { state: 'dead' | 'skipped'; error: string }
      | { state: 'pending'; error: string; retryInMs: number }
    ) & {
      /** What the message says, kept on its first attempt for the Mail page (one statement with the settling). */
      rendered?: { subject: string; text: string; html: string };
    },
  ): Promise<boolean> {
    const error = 'error' in outcome ? outcome.error : null;
    const retryInMs = outcome.state === 'pending' ? outcome.retryInMs : 0;
    const scrub = outcome.state === 'pending' || outcome.state === 'kept' ? 'false' : `m.data ? 'token'`;
    const { rowCount } = await this.db.query(
      `UPDATE mail_messages m SET state = $3, last_error = $4, claim = NULL, lease_until = NULL,
         sent_at = CASE WHEN $3 = 'sent' THEN now() END,
         next_attempt_at = now() + $5 * interval '1 millisecond',
         subject = coalesce($6, m.subject),
         text_body = CASE WHEN ${scrub} THEN replace(coalesce($7, m.text_body), m.data->>'token', '…') ELSE coalesce($7, m.text_body) END,
         html_body = CASE WHEN ${scrub} THEN replace(coalesce($8, m.html_body), m.data->>'token', '…') ELSE coalesce($8, m.html_body) END,
         data = CASE WHEN ${scrub} THEN m.data - 'token' ELSE m.data END
       WHERE m.id = $1 AND m.claim = $2`,
      [
        id,
        claim,
        outcome.state,
        error,
        retryInMs,
        outcome.rendered?.subject ?? null,
        outcome.rendered?.text ?? null,
        outcome.rendered?.html ?? null,
      ],
    );
    return rowCount === 1;
  }

  /** Gives a claimed message back untried (the server is down): its attempt is not counted. */
  async release(id: string, claim: string, retryInMs: number): Promise<void> {
    await this.db.query(
      `UPDATE mail_messages SET state = 'pending', claim = NULL, lease_until = NULL, attempts = attempts - 1,
         next_attempt_at = now() + $3 * interval '1 millisecond'
       WHERE id = $1 AND claim = $2`,
      [id, claim, retryInMs],
    );
  }

  /** The address refused mail for good: later messages to it are skipped, and broadcasts leave it out. */
  async markBounced(email: string): Promise<void> {
    await this.db.query(
      'UPDATE users SET mail_bounced_at = now() WHERE email = $1 AND mail_bounced_at IS NULL',
      [email],
    );
  }

  async stats(): Promise<{ pending: number; oldestPendingSeconds: number }> {
    const { rows } = await this.db.query<{ pending: number; oldest: number | null }>(
      `SELECT count(*)::int AS pending, extract(epoch FROM now() - min(created_at))::float8 AS oldest
       FROM mail_messages WHERE state IN ('pending', 'sending')`,
    );
    return { pending: rows[0]?.pending ?? 0, oldestPendingSeconds: rows[0]?.oldest ?? 0 };
  }

  /** The newest messages first (keyset pagination on the id). */
  async list(q: { limit: number; before?: string; to?: string }): Promise<MessageRow[]> {
    const { rows } = await this.db.query<MessageRow>(
      `SELECT id::text, kind, recipient, locale, state, subject, text_body AS "textBody", attempts,
         last_error AS "lastError", created_at AS "createdAt", sent_at AS "sentAt"
       FROM mail_messages WHERE ($1::bigint IS NULL OR id < $1) AND ($3::text IS NULL OR recipient = lower($3))
       ORDER BY id DESC LIMIT $2`,
      [q.before ?? null, q.limit, q.to ?? null],
    );
    return rows;
  }
}
