import type { Db } from '../platform/db.js';
import { messageIdSql } from './repository.js';

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
  async createBroadcast(b: {
    performanceId: string;
    kind: string;
    subject: { en: string; ko: string };
    body: { en: string; ko: string };
    createdBy: string | null;
  }): Promise<{ id: string; recipients: number }> {
    const { rows } = await this.db.query<{ id: string; recipients: number }>(
      `WITH h AS (${HOLDERS}), b AS (
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
