import type { FastifyRequest } from 'fastify';
import { AppError } from '../contract/errors.js';
import type { OrgRole } from '../contract/teams.js';

/**
 * Who may call an admin route (decision 023). Every route under /api/admin names its rule in its
 * options, `config: { access: … }`; src/teams/access.ts enforces it for all of them in one place, and
 * writes the audit row of each change. A route without a rule is a platform admin's only, and
 * test/admin-access.test.ts fails until it has one.
 */
export type AccessRule = AuditOptions &
  (
    | /** Platform admins only (users.role = 'admin'): the user list, the mail log, new organizations. */
      { kind: 'platform' }
      /** Anyone with `need` in at least one organization; the handler scopes by `accessOf(req)`. */
    | { kind: 'member'; need: Need }
    /**
     * A new venue or event: into body.organizationId, or the caller's only organization (a platform
     * admin's: the default one).
     */
    | { kind: 'create'; need: Need; creates: ResourceKind }
    /** A record and what belongs to it: its organization is read from `from` (a param or a body field). */
    | { kind: 'resource'; resource: ResourceKind; from: string; need: Need; creates?: ResourceKind }
  );

/**
 * How a change is audited: `action` names it in the log (e.g. `performance.pause`); `audit: 'self'`
 * says the service writes its own row, in the change's transaction; `audit: 'none'`, that the route
 * changes nothing (a POST that only previews).
 */
export interface AuditOptions {
  action?: string;
  audit?: 'self' | 'none';
}

/** What a rule asks of the caller's role in the organization: staff ⊂ manager ⊂ owner. */
export type Need = 'checkin' | 'manage' | 'owner';
export type ResourceKind = 'organization' | 'venue' | 'event' | 'performance' | 'order' | 'job' | 'broadcast';

/** The rules, one line each in a route's options: `config: { access: on('performance', 'manage') }`. */
export const platformOnly = (audit: AuditOptions = {}): AccessRule => ({ kind: 'platform', ...audit });
export const anyMember = (need: Need, audit: AuditOptions = {}): AccessRule => ({
  kind: 'member',
  need,
  ...audit,
});
export const creating = (creates: ResourceKind, audit: AuditOptions = {}): AccessRule => ({
  kind: 'create',
  need: 'manage',
  creates,
  ...audit,
});
export const on = (
  resource: ResourceKind,
  need: Need,
  opts: AuditOptions & { from?: string; creates?: ResourceKind } = {},
): AccessRule => ({ ...opts, kind: 'resource', resource, need, from: opts.from ?? 'params.id' });

/** What the access check learnt about a request, for its handler. */
export interface Access {
  platformAdmin: boolean;
  /** The caller's organizations and roles. */
  memberships: readonly { organizationId: string; role: OrgRole }[];
  /** The organization the request acts in (a resource's, or the one a creation goes into). */
  organizationId?: string;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: AccessRule;
  }
  interface FastifyRequest {
    access: Access | null;
  }
}

/** The access an admin route's check established. */
export function accessOf(req: FastifyRequest): Access {
  if (!req.access) throw new AppError('FORBIDDEN');
  return req.access;
}

/** The organization a creation goes into, as the route's rule chose it. */
export function organizationOf(req: FastifyRequest): string {
  const id = accessOf(req).organizationId;
  if (id === undefined) throw new AppError('ORGANIZATION_REQUIRED');
  return id;
}

/** Whether `role` is enough for `need`. */
export function allows(role: OrgRole, need: Need): boolean {
  switch (need) {
    case 'checkin':
      return true;
    case 'manage':
      return role !== 'staff';
    case 'owner':
      return role === 'owner';
  }
}
