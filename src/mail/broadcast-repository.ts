import { CANCELLATION_REFUND } from '../booking/orders/repository.js';
import { inTransaction, type Db, type DbClient } from '../platform/db.js';
import { messageIdSql, PERFORMANCE_TOPICS } from './repository.js';
import { performanceNotice } from './templates.js';

export interface BroadcastRow {
  id: string;
  performanceId: string;
  subjectEn: string;
  bodyEn: string;
  subjectKo: string;
  bodyKo: string;
  recipients: number;
  createdAt: Date;
  sent: number;
  pending: number;
  failed: number;
}

const BROADCAST = `b.id::text, b.performance_id::text AS "performanceId", b.subject_en AS "subjectEn",
  b.body_en AS "bodyEn", b.subject_ko AS "subjectKo", b.body_ko AS "bodyKo", b.recipients, b.created_at AS "createdAt",
  count(*) FILTER (WHERE m.state = 'sent')::int AS sent,
  count(*) FILTER (WHERE m.state IN ('pending', 'sending'))::int AS pending,
  count(*) FILTER (WHERE m.state IN ('dead', 'skipped'))::int AS failed`;

/** Ticket holders of a performance: one row per account with a valid ticket, whose address has not bounced. */
const HOLDERS = `SELECT DISTINCT u.id, u.email, u.locale FROM issued_tickets it
  JOIN orders o ON o.id = it.order_id JOIN users u ON u.id = o.user_id
  WHERE it.performance_id = $1 AND it.voided_at IS NULL AND u.mail_bounced_at IS NULL`;
/**
 * The holders a cancellation notice goes to: those whose tickets its refunds voided count too (the job
 * that refunds them may well run before the notice is composed).
 */
const HOLDERS_AT_CANCELLATION = HOLDERS.replace(
  'it.voided_at IS NULL',
  `(it.voided_at IS NULL OR EXISTS (SELECT 1 FROM refunds r WHERE r.order_id = o.id AND r.by = 'system'
     AND r.reason LIKE '${CANCELLATION_REFUND}:%'))`,
);

/** Messages to every ticket holder of a performance: made in one statement, followed by their states. */
export class BroadcastRepository {
  private readonly db: Db;
  private readonly messageId: string;

  constructor(opts: { db: Db; domain: string }) {
    this.db = opts.db;
    this.messageId = messageIdSql(opts.domain);
  }

  /** The title of the performance's event; undefined when there is no such performance. */
  async performanceTitle(performanceId: string): Promise<string | undefined> {
    const { rows } = await this.db.query<{ title: string }>(
      'SELECT e.title FROM performances p JOIN events e ON e.id = p.event_id WHERE p.id = $1',
      [performanceId],
    );
    return rows[0]?.title;
  }

  async countHolders(performanceId: string): Promise<number> {
    const { rows } = await this.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM (${HOLDERS}) h`, [
      performanceId,
    ]);
    return rows[0]?.n ?? 0;
  }

  /**
   * Records a broadcast and makes one message per ticket holder, in one transaction of two statements
   * (a 50,000-seat stadium is one INSERT … SELECT, not 50,000 round trips). The messages are the
   * broadcast's progress: the worker sends them at the mail rate, and after a restart it simply goes on.
   */
  async createBroadcast(
    b: {
      performanceId: string;
      kind: string;
      subject: { en: string; ko: string };
      body: { en: string; ko: string };
      createdBy: string | null;
    },
    client: Db | DbClient = this.db,
  ): Promise<{ id: string; recipients: number }> {
    const holders = b.kind === 'performance-cancelled' ? HOLDERS_AT_CANCELLATION : HOLDERS;
    const { rows } = await client.query<{ id: string; recipients: number }>(
      `WITH h AS (${holders}), b AS (
         INSERT INTO mail_broadcasts (performance_id, kind, subject_en, body_en, subject_ko, body_ko, created_by, recipients)
         VALUES ($1, $2, $3, $4, $5, $6, $7, (SELECT count(*) FROM h)) RETURNING id, recipients
       ), made AS (
         INSERT INTO mail_messages (source, message_id, kind, user_id, recipient, locale, bulk, broadcast_id)
         SELECT 'broadcast:' || b.id || ':' || h.id, ${this.messageId}, 'broadcast', h.id, h.email, h.locale, true, b.id
         FROM b, h
       )
       SELECT id::text, recipients FROM b`,
      [b.performanceId, b.kind, b.subject.en, b.body.en, b.subject.ko, b.body.ko, b.createdBy],
    );
    return rows[0]!;
  }

  /**
   * Turns the outbox's performance events (moved, cancelled) into a broadcast to every ticket holder,
   * in the organizer's stead: the events are claimed with SKIP LOCKED (two nodes never take the same)
   * and marked published in the transaction that makes the broadcast, so each is told exactly once.
   * Returns how many events were read.
   */
  async composeNotices(limit: number): Promise<number> {
    return inTransaction(this.db, async (client) => {
      const { rows } = await client.query<{
        id: string;
        topic: string;
        payload: Record<string, string>;
        title: string | null;
      }>(
        `SELECT o.id::text, o.topic, o.payload, e.title
         FROM outbox o LEFT JOIN performances p ON p.id = (o.payload->>'performanceId')::bigint
           LEFT JOIN events e ON e.id = p.event_id
         WHERE o.published_at IS NULL AND o.topic = ANY ($2) ORDER BY o.id LIMIT $1 FOR UPDATE OF o SKIP LOCKED`,
        [limit, PERFORMANCE_TOPICS],
      );
      for (const { topic, payload: p, title } of rows) {
        if (title === null) continue; // the performance is gone: nobody holds a ticket for it
        const kind = topic === 'performance.changed' ? 'performance-changed' : 'performance-cancelled';
        const texts = performanceNotice(
          kind === 'performance-changed'
            ? { kind, title, from: p.from!, to: p.to! }
            : { kind, title, startsAt: p.startsAt!, reason: p.reason! },
        );
        await this.createBroadcast(
          {
            performanceId: p.performanceId!,
            kind,
            subject: { en: texts.en.subject, ko: texts.ko.subject },
            body: { en: texts.en.body, ko: texts.ko.body },
            createdBy: null,
          },
          client,
        );
      }
      if (rows.length > 0) {
        await client.query('UPDATE outbox SET published_at = now() WHERE id = ANY ($1::bigint[])', [
          rows.map((r) => r.id),
        ]);
      }
      return rows.length;
    });
  }

  async broadcast(id: string): Promise<BroadcastRow | undefined> {
    const { rows } = await this.db.query<BroadcastRow>(
      `SELECT ${BROADCAST} FROM mail_broadcasts b LEFT JOIN mail_messages m ON m.broadcast_id = b.id
       WHERE b.id = $1 GROUP BY b.id`,
      [id],
    );
    return rows[0];
  }

  /** What a broadcast's messages say, and the event they are about. */
  async broadcastText(
    id: string,
  ): Promise<
    { subjectEn: string; bodyEn: string; subjectKo: string; bodyKo: string; eventTitle: string } | undefined
  > {
    const { rows } = await this.db.query<{
      subjectEn: string;
      bodyEn: string;
      subjectKo: string;
      bodyKo: string;
      eventTitle: string;
    }>(
      `SELECT b.subject_en AS "subjectEn", b.body_en AS "bodyEn", b.subject_ko AS "subjectKo", b.body_ko AS "bodyKo",
         e.title AS "eventTitle"
       FROM mail_broadcasts b JOIN performances p ON p.id = b.performance_id JOIN events e ON e.id = p.event_id
       WHERE b.id = $1`,
      [id],
    );
    return rows[0];
  }

  async broadcastsOf(performanceId: string): Promise<BroadcastRow[]> {
    const { rows } = await this.db.query<BroadcastRow>(
      `SELECT ${BROADCAST} FROM mail_broadcasts b LEFT JOIN mail_messages m ON m.broadcast_id = b.id
       WHERE b.performance_id = $1 GROUP BY b.id ORDER BY b.id DESC LIMIT 20`,
      [performanceId],
    );
    return rows;
  }
}
