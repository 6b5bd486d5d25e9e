import type { OrgRole } from '../contract/teams.js';
import type { Db, DbClient } from '../platform/db.js';

export interface InvitationRow {
  id: string;
  organizationId: string;
  organizationName: string;
  email: string;
  role: OrgRole;
  invitedBy: string | null;
  createdAt: Date;
  expiresAt: Date;
  acceptedAt: Date | null;
  revokedAt: Date | null;
}

const COLUMNS = `i.id::text, i.organization_id::text AS "organizationId", o.name AS "organizationName", i.email,
  i.role, inviter.email AS "invitedBy", i.created_at AS "createdAt", i.expires_at AS "expiresAt",
  i.accepted_at AS "acceptedAt", i.revoked_at AS "revokedAt"`;
const JOINED = `invitations i JOIN organizations o ON o.id = i.organization_id
  LEFT JOIN users inviter ON inviter.id = i.invited_by`;

/** Invitations into organizations (migration 0019): kept by their token's SHA-256, never the token. */
export class InvitationRepository {
  constructor(private readonly db: Db) {}

  /**
   * Withdraws the address's pending invitation into the organization, if any, and records the new one:
   * inviting again sends a new link and the old one stops working. Returns the new row and the id of
   * the one it replaced.
   */
  async replace(
    client: DbClient,
    i: {
      organizationId: string;
      email: string;
      role: OrgRole;
      hash: Buffer;
      invitedBy: string;
      expiresAt: Date;
    },
  ): Promise<{ row: InvitationRow; replaced: string | null }> {
    const { rows: old } = await client.query<{ id: string }>(
      `UPDATE invitations SET revoked_at = now()
       WHERE organization_id = $1 AND email = $2 AND accepted_at IS NULL AND revoked_at IS NULL
       RETURNING id::text`,
      [i.organizationId, i.email],
    );
    const { rows } = await client.query<{ id: string }>(
      `INSERT INTO invitations (organization_id, email, role, token_hash, invited_by, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING id::text`,
      [i.organizationId, i.email, i.role, i.hash, i.invitedBy, i.expiresAt],
    );
    const row = await this.byId(client, rows[0]!.id);
    return { row: row!, replaced: old[0]?.id ?? null };
  }

  async byId(client: DbClient | Db, id: string): Promise<InvitationRow | undefined> {
    const { rows } = await client.query<InvitationRow>(`SELECT ${COLUMNS} FROM ${JOINED} WHERE i.id = $1`, [
      id,
    ]);
    return rows[0];
  }

  /** The invitation a link's token names; `lock` holds it until the transaction ends (accepting). */
  async byToken(client: DbClient | Db, hash: Buffer, lock = false): Promise<InvitationRow | undefined> {
    const { rows } = await client.query<InvitationRow>(
      `SELECT ${COLUMNS} FROM ${JOINED} WHERE i.token_hash = $1 ${lock ? 'FOR UPDATE OF i' : ''}`,
      [hash],
    );
    return rows[0];
  }

  /** The organization's invitations neither accepted nor withdrawn, newest first (expired ones too). */
  async pending(organizationId: string): Promise<InvitationRow[]> {
    const { rows } = await this.db.query<InvitationRow>(
      `SELECT ${COLUMNS} FROM ${JOINED}
       WHERE i.organization_id = $1 AND i.accepted_at IS NULL AND i.revoked_at IS NULL
       ORDER BY i.id DESC`,
      [organizationId],
    );
    return rows;
  }

  /** Withdraws a pending invitation of the organization; undefined when there is none by that id. */
  async revoke(
    client: DbClient,
    organizationId: string,
    id: string,
  ): Promise<{ email: string; role: OrgRole } | undefined> {
    const { rows } = await client.query<{ email: string; role: OrgRole }>(
      `UPDATE invitations SET revoked_at = now()
       WHERE id = $1 AND organization_id = $2 AND accepted_at IS NULL AND revoked_at IS NULL
       RETURNING email, role`,
      [id, organizationId],
    );
    return rows[0];
  }

  async emailOf(client: DbClient, userId: string): Promise<string | undefined> {
    const { rows } = await client.query<{ email: string }>('SELECT email FROM users WHERE id = $1', [userId]);
    return rows[0]?.email;
  }

  /**
   * Marks the invitation used by the account, and the account's address proven: the link reached
   * that mailbox.
   */
  async accept(client: DbClient, id: string, userId: string, now: Date): Promise<void> {
    await client.query('UPDATE invitations SET accepted_at = $3, accepted_by = $2 WHERE id = $1', [
      id,
      userId,
      now,
    ]);
    await client.query('UPDATE users SET email_verified_at = coalesce(email_verified_at, $2) WHERE id = $1', [
      userId,
      now,
    ]);
  }
}
