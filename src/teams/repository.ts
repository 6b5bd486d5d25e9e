import { AppError } from '../contract/errors.js';
import type { Db, DbClient } from '../platform/db.js';
import type { ResourceKind } from '../auth/access-rule.js';
import type { OrgRole } from '../contract/teams.js';

export interface MembershipRow {
  organizationId: string;
  role: OrgRole;
}

export interface MemberRow {
  userId: string;
  email: string;
  name: string;
  role: OrgRole;
  since: Date;
}

/**
 * The organization each kind of record belongs to, and a short summary of the record for the audit
 * log's "before": one statement per kind, by primary key. Venues and events carry the organization;
 * the rest reach it through their performance's event.
 */
const OWNER_OF: Record<ResourceKind, string> = {
  organization: `SELECT o.id::text AS org, to_jsonb(o) AS summary FROM organizations o WHERE o.id = $1`,
  venue: `SELECT v.organization_id::text AS org, to_jsonb(v) - 'layout' AS summary FROM venues v WHERE v.id = $1`,
  event: `SELECT e.organization_id::text AS org, to_jsonb(e) - 'search_text' - 'description' AS summary
    FROM events e WHERE e.id = $1`,
  performance: `SELECT e.organization_id::text AS org, to_jsonb(p) AS summary
    FROM performances p JOIN events e ON e.id = p.event_id WHERE p.id = $1`,
  order: `SELECT e.organization_id::text AS org,
      jsonb_build_object('status', o.status, 'amount', o.amount, 'seatNos', o.seat_nos, 'userId', o.user_id)
        AS summary
    FROM orders o JOIN performances p ON p.id = o.performance_id JOIN events e ON e.id = p.event_id
    WHERE o.id = $1`,
  job: `SELECT e.organization_id::text AS org, jsonb_build_object('kind', j.kind, 'state', j.state) AS summary
    FROM jobs j JOIN performances p ON p.id = (j.payload->>'performanceId')::bigint
    JOIN events e ON e.id = p.event_id WHERE j.id = $1`,
  broadcast: `SELECT e.organization_id::text AS org,
      jsonb_build_object('performanceId', b.performance_id, 'subject', b.subject_en) AS summary
    FROM mail_broadcasts b JOIN performances p ON p.id = b.performance_id JOIN events e ON e.id = p.event_id
    WHERE b.id = $1`,
};

/** Organizations, their members, and the organization a record belongs to. */
export class TeamRepository {
  constructor(private readonly db: Db) {}

  async membershipsOf(userId: string): Promise<MembershipRow[]> {
    const { rows } = await this.db.query<MembershipRow>(
      `SELECT organization_id::text AS "organizationId", role FROM memberships WHERE user_id = $1
       ORDER BY organization_id`,
      [userId],
    );
    return rows;
  }

  /** The record's organization and summary; undefined when there is no such record. */
  async ownerOf(
    kind: ResourceKind,
    id: string,
  ): Promise<{ org: string; summary: Record<string, unknown> } | undefined> {
    const { rows } = await this.db.query<{ org: string; summary: Record<string, unknown> }>(OWNER_OF[kind], [
      id,
    ]);
    return rows[0];
  }

  async organizations(ids: readonly string[] | 'all'): Promise<{ id: string; name: string }[]> {
    const { rows } = await this.db.query<{ id: string; name: string }>(
      `SELECT id::text, name FROM organizations WHERE $1::bigint[] IS NULL OR id = ANY($1) ORDER BY id`,
      [ids === 'all' ? null : ids],
    );
    return rows;
  }

  async insertOrganization(client: DbClient, name: string): Promise<{ id: string; name: string }> {
    const { rows } = await client.query<{ id: string; name: string }>(
      'INSERT INTO organizations (name) VALUES ($1) RETURNING id::text, name',
      [name],
    );
    return rows[0]!;
  }

  async members(organizationId: string, client: Pick<DbClient, 'query'> = this.db): Promise<MemberRow[]> {
    const { rows } = await client.query<MemberRow>(
      `SELECT u.id::text AS "userId", u.email, u.name, m.role, m.created_at AS since
       FROM memberships m JOIN users u ON u.id = m.user_id
       WHERE m.organization_id = $1 ORDER BY m.created_at, u.id`,
      [organizationId],
    );
    return rows;
  }

  async userByEmail(client: DbClient, email: string): Promise<{ id: string; email: string } | undefined> {
    const { rows } = await client.query<{ id: string; email: string }>(
      'SELECT id::text, email FROM users WHERE email = lower($1)',
      [email],
    );
    return rows[0];
  }

  /**
   * Locks the organization's row: every change of its members takes it first, so two owners demoting
   * each other at once cannot both pass the last-owner check. Its name; an unknown one is a 404.
   */
  async lockOrganization(client: DbClient, organizationId: string): Promise<string> {
    const { rows } = await client.query<{ name: string }>(
      'SELECT name FROM organizations WHERE id = $1 FOR UPDATE',
      [organizationId],
    );
    if (!rows[0]) throw new AppError('ORGANIZATION_NOT_FOUND', undefined, { id: organizationId });
    return rows[0].name;
  }

  async renameOrganization(client: DbClient, organizationId: string, name: string): Promise<void> {
    await client.query('UPDATE organizations SET name = $2 WHERE id = $1', [organizationId, name]);
  }

  /** What the organization owns that must go before it may (its row is locked, so none is added meanwhile). */
  async holdings(client: DbClient, organizationId: string): Promise<{ venues: number; events: number }> {
    const { rows } = await client.query<{ venues: number; events: number }>(
      `SELECT (SELECT count(*)::int FROM venues WHERE organization_id = $1) AS venues,
              (SELECT count(*)::int FROM events WHERE organization_id = $1) AS events`,
      [organizationId],
    );
    return rows[0]!;
  }

  /**
   * Deletes the organization with its memberships and invitations; its audit rows stay, without it.
   * Every member's sessions end in the same transaction: the members and their new session versions.
   */
  async deleteOrganization(
    client: DbClient,
    organizationId: string,
  ): Promise<{ userId: string; version: number }[]> {
    const { rows } = await client.query<{ userId: string; version: number }>(
      `UPDATE users SET session_version = session_version + 1
       WHERE id IN (SELECT user_id FROM memberships WHERE organization_id = $1)
       RETURNING id::text AS "userId", session_version AS version`,
      [organizationId],
    );
    await client.query('DELETE FROM organizations WHERE id = $1', [organizationId]);
    return rows;
  }

  async roleOf(client: DbClient, organizationId: string, userId: string): Promise<OrgRole | undefined> {
    const { rows } = await client.query<{ role: OrgRole }>(
      'SELECT role FROM memberships WHERE organization_id = $1 AND user_id = $2',
      [organizationId, userId],
    );
    return rows[0]?.role;
  }

  async countOwners(client: DbClient, organizationId: string): Promise<number> {
    const { rows } = await client.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM memberships WHERE organization_id = $1 AND role = 'owner'`,
      [organizationId],
    );
    return rows[0]!.n;
  }

  /** Adds, changes or (role null) removes a membership. */
  async setRole(
    client: DbClient,
    organizationId: string,
    userId: string,
    role: OrgRole | null,
  ): Promise<void> {
    if (role === null) {
      await client.query('DELETE FROM memberships WHERE organization_id = $1 AND user_id = $2', [
        organizationId,
        userId,
      ]);
      return;
    }
    await client.query(
      `INSERT INTO memberships (organization_id, user_id, role) VALUES ($1, $2, $3)
       ON CONFLICT (organization_id, user_id) DO UPDATE SET role = EXCLUDED.role`,
      [organizationId, userId, role],
    );
  }

  /**
   * Ends the user's sessions in the same transaction as the change of their memberships, so what they
   * may do changes at once on every node (decision 016: a role change revokes); the new version.
   */
  async endSessions(client: DbClient, userId: string): Promise<number | null> {
    const { rows } = await client.query<{ version: number }>(
      'UPDATE users SET session_version = session_version + 1 WHERE id = $1 RETURNING session_version AS version',
      [userId],
    );
    return rows[0]?.version ?? null;
  }
}
