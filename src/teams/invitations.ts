import { createHash, randomBytes } from 'node:crypto';
import type { Sessions } from '../auth/sessions.js';
import { AppError } from '../contract/errors.js';
import type {
  Invitation,
  InvitationBody,
  InvitationList,
  InvitationOffer,
  OrgRole,
} from '../contract/teams.js';
import type { Clock } from '../platform/clock.js';
import { inTransaction, type Db, type DbClient } from '../platform/db.js';
import type { AuditRepository } from './audit-repository.js';
import type { InvitationRepository, InvitationRow } from './invitation-repository.js';
import type { TeamRepository } from './repository.js';

/** How long an invitation link works. */
export const INVITATION_TTL_MS = 7 * 24 * 3600_000;

/** How an invitation reaches its address: src/mail queues the message in the invitation's transaction. */
export interface InvitationMailer {
  queueInvitation(
    m: { email: string; token: string; organization: string; role: OrgRole; inviterId: string },
    client: DbClient,
  ): Promise<void>;
  /** Told once the transaction that queued a message has committed: deliver it now. */
  queued(): void;
}

export interface InvitationServiceOptions {
  db: Db;
  teams: TeamRepository;
  invitations: InvitationRepository;
  audit: AuditRepository;
  sessions: Pick<Sessions, 'moved'>;
  mailer: InvitationMailer;
  clock: Clock;
}

const digest = (token: string) => createHash('sha256').update(token).digest();

/**
 * Invitations into an organization by email (decision 025). An owner invites any address with a
 * role; the address gets a link whose token is used once within 7 days (only its SHA-256 is stored).
 * The account with that address — made before, or signed up from the link — accepts and becomes a
 * member with the role. Every step is audited in its transaction.
 */
export class InvitationService {
  constructor(private readonly deps: InvitationServiceOptions) {}

  async invite(organizationId: string, body: InvitationBody, actorId: string): Promise<Invitation> {
    const { teams, invitations, audit, mailer, clock } = this.deps;
    const email = body.email.trim().toLowerCase();
    const token = randomBytes(32).toString('base64url');
    const row = await inTransaction(this.deps.db, async (client) => {
      const name = await this.deps.teams.lockOrganization(client, organizationId);
      const user = await teams.userByEmail(client, email);
      if (user && (await teams.roleOf(client, organizationId, user.id)) !== undefined)
        throw new AppError('ALREADY_MEMBER', undefined, { email });
      const { row, replaced } = await invitations.replace(client, {
        organizationId,
        email,
        role: body.role,
        hash: digest(token),
        invitedBy: actorId,
        expiresAt: new Date(clock.now() + INVITATION_TTL_MS),
      });
      await mailer.queueInvitation(
        { email, token, organization: name, role: body.role, inviterId: actorId },
        client,
      );
      await audit.insert(
        {
          actorId,
          action: 'invitation.create',
          targetType: 'invitation',
          targetId: row.id,
          organizationId,
          summary: { before: replaced ? { replaced } : null, after: { email, role: body.role } },
        },
        client,
      );
      return row;
    });
    mailer.queued();
    return this.view(row);
  }

  async pending(organizationId: string): Promise<InvitationList> {
    const rows = await this.deps.invitations.pending(organizationId);
    // A platform admin's read is not looked up by the access check: an unknown id is told here.
    if (rows.length === 0 && (await this.deps.teams.organizations([organizationId])).length === 0)
      throw new AppError('ORGANIZATION_NOT_FOUND', undefined, { id: organizationId });
    return { invitations: rows.map((r) => this.view(r)) };
  }

  async revoke(organizationId: string, invitationId: string, actorId: string): Promise<void> {
    await inTransaction(this.deps.db, async (client) => {
      await this.deps.teams.lockOrganization(client, organizationId);
      const revoked = await this.deps.invitations.revoke(client, organizationId, invitationId);
      if (!revoked) throw new AppError('INVITATION_NOT_FOUND', undefined, { invitationId });
      await this.deps.audit.insert(
        {
          actorId,
          action: 'invitation.revoke',
          targetType: 'invitation',
          targetId: invitationId,
          organizationId,
          summary: { before: revoked, after: null },
        },
        client,
      );
    });
  }

  /** What a link offers, for its page; a link that no longer works says why. */
  async offer(token: string): Promise<InvitationOffer> {
    const row = this.usable(await this.deps.invitations.byToken(this.deps.db, digest(token)));
    return {
      organization: { id: row.organizationId, name: row.organizationName },
      email: row.email,
      role: row.role,
      expiresAt: row.expiresAt.toISOString(),
    };
  }

  /**
   * The caller accepts: their account must have the invited address. The membership, the used token
   * and the audit row commit together; the caller's sessions end like any member's whose role changes
   * (decision 023), and the route answers with a new one.
   */
  async accept(
    token: string,
    userId: string,
  ): Promise<{ organization: { id: string; name: string }; role: OrgRole }> {
    const { teams, invitations, audit } = this.deps;
    const { row, version } = await inTransaction(this.deps.db, async (client) => {
      // The organization is locked before the invitation, in the order invite, revoke and delete take
      // them (organization, then its invitations): the other order deadlocked with them into a 500.
      const seen = this.usable(await invitations.byToken(client, digest(token)));
      await this.deps.teams.lockOrganization(client, seen.organizationId);
      const row = this.usable(await invitations.byToken(client, digest(token), true));
      if ((await invitations.emailOf(client, userId)) !== row.email)
        throw new AppError('INVITATION_WRONG_ACCOUNT', undefined, { email: row.email });
      if ((await teams.roleOf(client, row.organizationId, userId)) !== undefined)
        throw new AppError('ALREADY_MEMBER', undefined, { email: row.email });
      await teams.setRole(client, row.organizationId, userId, row.role);
      await invitations.accept(client, row.id, userId, new Date(this.deps.clock.now()));
      await audit.insert(
        {
          actorId: userId,
          action: 'invitation.accept',
          targetType: 'user',
          targetId: userId,
          organizationId: row.organizationId,
          summary: { before: null, after: { email: row.email, role: row.role, invitationId: row.id } },
        },
        client,
      );
      return { row, version: await teams.endSessions(client, userId) };
    });
    await this.deps.sessions.moved(userId, version);
    return { organization: { id: row.organizationId, name: row.organizationName }, role: row.role };
  }

  /** The invitation a token names, if it can still be accepted; otherwise why not, as a 4xx. */
  private usable(row: InvitationRow | undefined): InvitationRow {
    if (!row) throw new AppError('INVITATION_NOT_FOUND');
    if (row.acceptedAt) throw new AppError('INVITATION_USED');
    if (row.revokedAt) throw new AppError('INVITATION_REVOKED');
    if (row.expiresAt.getTime() <= this.deps.clock.now())
      throw new AppError('INVITATION_EXPIRED', undefined, { expiredAt: row.expiresAt.toISOString() });
    return row;
  }

  private view(row: InvitationRow): Invitation {
    return {
      id: row.id,
      email: row.email,
      role: row.role,
      invitedBy: row.invitedBy,
      createdAt: row.createdAt.toISOString(),
      expiresAt: row.expiresAt.toISOString(),
      expired: row.expiresAt.getTime() <= this.deps.clock.now(),
    };
  }
}
