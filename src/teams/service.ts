import type { Access } from '../auth/access-rule.js';
import type { Sessions } from '../auth/sessions.js';
import { AppError } from '../contract/errors.js';
import type {
  AuditPage,
  AuditQuery,
  MemberBody,
  MemberList,
  Member,
  OrganizationBody,
  Organization,
  OrganizationList,
  OrgRole,
} from '../contract/teams.js';
import { DEFAULT_ORGANIZATION_ID } from '../contract/teams.js';
import { inTransaction, type Db, type DbClient } from '../platform/db.js';
import type { AuditRepository } from './audit-repository.js';
import type { MemberRow, TeamRepository } from './repository.js';

const AUDIT_PAGE_SIZE = 50;

export interface TeamServiceOptions {
  db: Db;
  teams: TeamRepository;
  audit: AuditRepository;
  sessions: Pick<Sessions, 'moved'>;
}

/**
 * Organizations and their members (issue 18). Owners add existing accounts by email, set and remove
 * roles; an organization always keeps an owner. Each change is audited in its own transaction and
 * ends the member's sessions (their next request needs a new login, under the new role).
 */
export class TeamService {
  constructor(private readonly deps: TeamServiceOptions) {}

  /** The caller's organizations with their role; a platform admin sees every one. */
  async organizations(access: Access): Promise<OrganizationList> {
    const roles = new Map(access.memberships.map((m) => [m.organizationId, m.role]));
    const rows = await this.deps.teams.organizations(access.platformAdmin ? 'all' : [...roles.keys()]);
    return { organizations: rows.map((o) => ({ ...o, role: roles.get(o.id) })) };
  }

  async createOrganization(body: OrganizationBody, actorId: string): Promise<Organization> {
    const { organization, owner } = await inTransaction(this.deps.db, async (client) => {
      const organization = await this.deps.teams.insertOrganization(client, body.name.trim());
      let owner: { userId: string; version: number | null } | undefined;
      if (body.ownerEmail !== undefined) {
        const user = await this.existingUser(client, body.ownerEmail);
        await this.deps.teams.setRole(client, organization.id, user.id, 'owner');
        owner = { userId: user.id, version: await this.deps.teams.endSessions(client, user.id) };
      }
      await this.deps.audit.insert(
        {
          actorId,
          action: 'organization.create',
          targetType: 'organization',
          targetId: organization.id,
          organizationId: organization.id,
          summary: { after: { name: organization.name, ownerEmail: body.ownerEmail } },
        },
        client,
      );
      return { organization, owner };
    });
    if (owner) await this.deps.sessions.moved(owner.userId, owner.version);
    return organization;
  }

  /** Renames the organization (its owners or a platform admin). */
  async renameOrganization(organizationId: string, name: string, actorId: string): Promise<Organization> {
    const renamed = name.trim();
    await inTransaction(this.deps.db, async (client) => {
      const before = await this.deps.teams.lockOrganization(client, organizationId);
      await this.deps.teams.renameOrganization(client, organizationId, renamed);
      await this.deps.audit.insert(
        {
          actorId,
          action: 'organization.rename',
          targetType: 'organization',
          targetId: organizationId,
          organizationId,
          summary: { before: { name: before }, after: { name: renamed } },
        },
        client,
      );
    });
    return { id: organizationId, name: renamed };
  }

  /**
   * Deletes an organization that owns no venue and no event (409 ORGANIZATION_NOT_EMPTY, with the
   * counts, otherwise); its members' sessions end. The default organization stays: what is made
   * without naming one goes there.
   */
  /** Deletes the organization; true when the actor was a member, so their own session ended too. */
  async deleteOrganization(organizationId: string, actorId: string): Promise<boolean> {
    if (organizationId === DEFAULT_ORGANIZATION_ID) throw new AppError('ORGANIZATION_IS_DEFAULT');
    const ended = await inTransaction(this.deps.db, async (client) => {
      const name = await this.deps.teams.lockOrganization(client, organizationId);
      const holdings = await this.deps.teams.holdings(client, organizationId);
      if (holdings.venues > 0 || holdings.events > 0)
        throw new AppError('ORGANIZATION_NOT_EMPTY', undefined, holdings);
      const members = await this.deps.teams.members(organizationId, client);
      const ended = await this.deps.teams.deleteOrganization(client, organizationId);
      // Written after the delete: the row names the organization by its id, which no longer exists.
      await this.deps.audit.insert(
        {
          actorId,
          action: 'organization.delete',
          targetType: 'organization',
          targetId: organizationId,
          organizationId: null,
          summary: {
            before: { name, members: members.map((m) => ({ email: m.email, role: m.role })) },
            after: null,
          },
        },
        client,
      );
      return ended;
    });
    for (const { userId, version } of ended) await this.deps.sessions.moved(userId, version);
    return ended.some(({ userId }) => userId === actorId);
  }

  async members(organizationId: string): Promise<MemberList> {
    const rows = await this.deps.teams.members(organizationId);
    // A platform admin's read is not looked up by the access check: an unknown id is told here.
    if (rows.length === 0) await this.assertExists(organizationId);
    return { members: rows.map(toMember) };
  }

  private async assertExists(organizationId: string): Promise<void> {
    if ((await this.deps.teams.organizations([organizationId])).length === 0)
      throw new AppError('ORGANIZATION_NOT_FOUND', undefined, { id: organizationId });
  }

  /** Adds an existing account (decision 023: no invitations to addresses without one). */
  async addMember(organizationId: string, body: MemberBody, actorId: string): Promise<Member> {
    const userId = await this.change(organizationId, actorId, async (client) => {
      const user = await this.existingUser(client, body.email);
      if ((await this.deps.teams.roleOf(client, organizationId, user.id)) !== undefined)
        throw new AppError('ALREADY_MEMBER', undefined, { email: user.email });
      await this.deps.teams.setRole(client, organizationId, user.id, body.role);
      return {
        userId: user.id,
        action: 'member.add',
        before: null,
        after: { email: user.email, role: body.role },
      };
    });
    return this.member(organizationId, userId);
  }

  async setRole(organizationId: string, userId: string, role: OrgRole, actorId: string): Promise<Member> {
    await this.change(organizationId, actorId, async (client) => {
      const current = await this.currentRole(client, organizationId, userId);
      if (current === 'owner' && role !== 'owner') await this.keepAnOwner(client, organizationId);
      await this.deps.teams.setRole(client, organizationId, userId, role);
      return { userId, action: 'member.role', before: { role: current }, after: { role } };
    });
    return this.member(organizationId, userId);
  }

  async removeMember(organizationId: string, userId: string, actorId: string): Promise<void> {
    await this.change(organizationId, actorId, async (client) => {
      const current = await this.currentRole(client, organizationId, userId);
      if (current === 'owner') await this.keepAnOwner(client, organizationId);
      await this.deps.teams.setRole(client, organizationId, userId, null);
      return { userId, action: 'member.remove', before: { role: current }, after: null };
    });
  }

  /** The audit log: a platform admin's whole, an owner's of the organizations they own. */
  async audit(query: AuditQuery, access: Access): Promise<AuditPage> {
    let organizations: string[] | undefined;
    if (!access.platformAdmin) {
      organizations = access.memberships.filter((m) => m.role === 'owner').map((m) => m.organizationId);
      if (query.organizationId !== undefined)
        organizations = organizations.filter((id) => id === query.organizationId);
    } else if (query.organizationId !== undefined) organizations = [query.organizationId];
    const [targetType, targetId] = query.target?.split(':') ?? [];
    const rows = await this.deps.audit.find({
      actor: query.actor,
      action: query.action,
      targetType,
      targetId,
      organizations,
      limit: AUDIT_PAGE_SIZE + 1,
      offset: (query.page - 1) * AUDIT_PAGE_SIZE,
    });
    return {
      entries: rows.slice(0, AUDIT_PAGE_SIZE).map((row) => ({
        id: row.id,
        at: row.at.toISOString(),
        actor: { id: row.actorId, email: row.actorEmail },
        action: row.action,
        target: { type: row.targetType, id: row.targetId },
        organizationId: row.organizationId,
        summary: row.summary,
      })),
      page: query.page,
      pageSize: AUDIT_PAGE_SIZE,
      more: rows.length > AUDIT_PAGE_SIZE,
    };
  }

  /**
   * A change of one member under the organization's lock, with its audit row and the end of the
   * member's sessions in the same transaction; the other nodes hear of the sessions after the commit.
   */
  private async change(
    organizationId: string,
    actorId: string,
    apply: (
      client: DbClient,
    ) => Promise<{ userId: string; action: string; before: object | null; after: object | null }>,
  ): Promise<string> {
    const { userId, version } = await inTransaction(this.deps.db, async (client) => {
      await this.deps.teams.lockOrganization(client, organizationId);
      const change = await apply(client);
      await this.deps.audit.insert(
        {
          actorId,
          action: change.action,
          targetType: 'user',
          targetId: change.userId,
          organizationId,
          summary: { before: change.before, after: change.after },
        },
        client,
      );
      return { userId: change.userId, version: await this.deps.teams.endSessions(client, change.userId) };
    });
    await this.deps.sessions.moved(userId, version);
    return userId;
  }

  private async existingUser(client: DbClient, email: string) {
    const user = await this.deps.teams.userByEmail(client, email);
    if (!user) throw new AppError('ACCOUNT_NOT_FOUND', undefined, { email });
    return user;
  }

  private async currentRole(client: DbClient, organizationId: string, userId: string): Promise<OrgRole> {
    const role = await this.deps.teams.roleOf(client, organizationId, userId);
    if (role === undefined) throw new AppError('MEMBER_NOT_FOUND', undefined, { userId });
    return role;
  }

  /** Refuses a change that would leave the organization without an owner (its row is locked). */
  private async keepAnOwner(client: DbClient, organizationId: string): Promise<void> {
    if ((await this.deps.teams.countOwners(client, organizationId)) <= 1)
      throw new AppError('LAST_OWNER', undefined, { organizationId });
  }

  private async member(organizationId: string, userId: string): Promise<Member> {
    const row = (await this.deps.teams.members(organizationId)).find((m) => m.userId === userId);
    if (!row) throw new AppError('MEMBER_NOT_FOUND', undefined, { userId });
    return toMember(row);
  }
}

function toMember(row: MemberRow): Member {
  return {
    userId: row.userId,
    email: row.email,
    name: row.name,
    role: row.role,
    since: row.since.toISOString(),
  };
}
