import type { Db, DbClient } from '../platform/db.js';

export interface AuditRecord {
  actorId: string;
  /** The actor's address; read from the account when left out. */
  actorEmail?: string;
  action: string;
  targetType: string;
  targetId: string | null;
  organizationId: string | null;
  summary: Record<string, unknown>;
}

export interface AuditRow extends Omit<AuditRecord, 'actorId' | 'actorEmail'> {
  id: string;
  /** Null once the account is deleted; its address stays. */
  actorId: string | null;
  actorEmail: string;
  at: Date;
}

export interface AuditFilter {
  /** An actor's email (partial) or id. */
  actor?: string;
  targetType?: string;
  targetId?: string;
  action?: string;
  /** Only these organizations' rows; undefined: every row (a platform admin). */
  organizations?: readonly string[];
  limit: number;
  offset: number;
}

/** The audit log: written with (or right after) each admin action, read newest first. */
export class AuditRepository {
  constructor(private readonly db: Db) {}

  /** One row; given a client, in that transaction (the change it records commits with it). */
  async insert(record: AuditRecord, client: Pick<DbClient, 'query'> = this.db): Promise<void> {
    await client.query(
      `INSERT INTO audit_log (actor_id, actor_email, action, target_type, target_id, organization_id, summary)
       VALUES ($1, COALESCE($2, (SELECT email FROM users WHERE id = $1), ''), $3, $4, $5, $6, $7)`,
      [
        record.actorId,
        record.actorEmail ?? null,
        record.action,
        record.targetType,
        record.targetId,
        record.organizationId,
        JSON.stringify(record.summary),
      ],
    );
  }

  async find(filter: AuditFilter): Promise<AuditRow[]> {
    const actorId =
      filter.actor !== undefined && /^[1-9][0-9]{0,17}$/.test(filter.actor) ? filter.actor : null;
    const actorText = filter.actor !== undefined && actorId === null ? filter.actor.toLowerCase() : null;
    const { rows } = await this.db.query<AuditRow>(
      `SELECT id::text, at, actor_id::text AS "actorId", actor_email AS "actorEmail", action,
              target_type AS "targetType", target_id AS "targetId", organization_id::text AS "organizationId",
              summary
       FROM audit_log
       WHERE ($1::bigint[] IS NULL OR organization_id = ANY($1))
         AND ($2::bigint IS NULL OR actor_id = $2)
         AND ($3::text IS NULL OR strpos(actor_email, $3) > 0)
         AND ($4::text IS NULL OR target_type = $4)
         AND ($5::text IS NULL OR target_id = $5)
         AND ($6::text IS NULL OR action = $6 OR action LIKE $6 || '.%')
       ORDER BY id DESC LIMIT $7 OFFSET $8`,
      [
        filter.organizations ?? null,
        actorId,
        actorText,
        filter.targetType ?? null,
        filter.targetId ?? null,
        filter.action ?? null,
        filter.limit,
        filter.offset,
      ],
    );
    return rows;
  }
}
