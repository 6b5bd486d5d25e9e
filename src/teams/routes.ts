import { Type } from 'typebox';
import { accessOf, anyMember, on, platformOnly } from '../auth/access-rule.js';
import { callerOf, type Guard } from '../auth/guard.js';
import { ErrorResponse, IdParams } from '../contract/common.js';
import {
  AuditPageSchema,
  AuditQuery,
  MemberBody,
  MemberListSchema,
  MemberParams,
  MemberRoleBody,
  MemberSchema,
  OrganizationBody,
  OrganizationListSchema,
  OrganizationRenameBody,
  OrganizationSchema,
} from '../contract/teams.js';
import type { RateLimits } from '../engine/coordination/port.js';
import type { App } from '../platform/http.js';
import type { AuthService } from '../auth/service.js';
import { withSessionCookie } from '../auth/session-cookie.js';
import { invitationRoutes } from './invitation-routes.js';
import type { Teams } from './teams.js';

const errors = {
  400: ErrorResponse,
  401: ErrorResponse,
  403: ErrorResponse,
  404: ErrorResponse,
  409: ErrorResponse,
  422: ErrorResponse,
};
const admin = { tags: ['admin'], security: [{ bearer: [] }] };

export function teamRoutes(
  app: App,
  deps: { teams: Teams; guard: Guard; auth: Pick<AuthService, 'renewed'>; engine: RateLimits },
) {
  const { guard } = deps;
  const { service: teams, memberships } = deps.teams;
  invitationRoutes(app, { invitations: deps.teams.invitations, guard, auth: deps.auth, engine: deps.engine });

  app.get(
    '/api/me/organizations',
    {
      onRequest: guard.user,
      schema: {
        tags: ['auth'],
        security: [{ bearer: [] }],
        summary: 'The organizations you belong to, with your role in each (none for a buyer)',
        response: { 200: OrganizationListSchema, 401: ErrorResponse },
      },
    },
    async (req) => {
      const caller = callerOf(req);
      const list = await memberships.of(caller);
      return teams.organizations({ platformAdmin: caller.role === 'admin', memberships: list });
    },
  );

  app.get(
    '/api/admin/organizations',
    {
      config: { access: anyMember('checkin') },
      schema: {
        ...admin,
        summary: 'Your organizations (a platform admin: all)',
        response: { 200: OrganizationListSchema, ...errors },
      },
    },
    async (req) => teams.organizations(accessOf(req)),
  );

  app.post(
    '/api/admin/organizations',
    {
      config: { access: platformOnly({ audit: 'self' }) },
      schema: {
        ...admin,
        summary: 'Create an organization, optionally with an existing account as its owner (platform admins)',
        body: OrganizationBody,
        response: { 201: OrganizationSchema, ...errors },
      },
    },
    async (req, reply) =>
      reply.code(201).send(await teams.createOrganization(req.body, callerOf(req).userId)),
  );

  app.patch(
    '/api/admin/organizations/:id',
    {
      config: { access: on('organization', 'owner', { audit: 'self' }) },
      schema: {
        ...admin,
        summary: 'Rename the organization (its owners, or a platform admin)',
        params: IdParams,
        body: OrganizationRenameBody,
        response: { 200: OrganizationSchema, ...errors },
      },
    },
    async (req) => teams.renameOrganization(req.params.id, req.body.name, callerOf(req).userId),
  );

  app.delete(
    '/api/admin/organizations/:id',
    {
      config: { access: on('organization', 'owner', { audit: 'self' }) },
      schema: {
        ...admin,
        summary:
          'Delete an organization that owns no venue or event (else 409 ORGANIZATION_NOT_EMPTY); its members’ sessions end',
        params: IdParams,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (req, reply) => {
      const { userId } = callerOf(req);
      // An owner who deleted their own organization keeps working in the others: a new session cookie.
      if (await teams.deleteOrganization(req.params.id, userId))
        withSessionCookie(req, reply, await deps.auth.renewed(userId));
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/api/admin/organizations/:id/members',
    {
      config: { access: on('organization', 'owner') },
      schema: {
        ...admin,
        summary: "The organization's members and roles",
        params: IdParams,
        response: { 200: MemberListSchema, ...errors },
      },
    },
    async (req) => teams.members(req.params.id),
  );

  app.post(
    '/api/admin/organizations/:id/members',
    {
      config: { access: on('organization', 'owner', { audit: 'self' }) },
      schema: {
        ...admin,
        summary: 'Add an existing account to the organization with a role; its sessions end',
        params: IdParams,
        body: MemberBody,
        response: { 201: MemberSchema, ...errors },
      },
    },
    async (req, reply) =>
      reply.code(201).send(await teams.addMember(req.params.id, req.body, callerOf(req).userId)),
  );

  app.put(
    '/api/admin/organizations/:id/members/:userId',
    {
      config: { access: on('organization', 'owner', { audit: 'self' }) },
      schema: {
        ...admin,
        summary: "Set a member's role (the last owner cannot step down); their sessions end",
        params: MemberParams,
        body: MemberRoleBody,
        response: { 200: MemberSchema, ...errors },
      },
    },
    async (req) => teams.setRole(req.params.id, req.params.userId, req.body.role, callerOf(req).userId),
  );

  app.delete(
    '/api/admin/organizations/:id/members/:userId',
    {
      config: { access: on('organization', 'owner', { audit: 'self' }) },
      schema: {
        ...admin,
        summary: 'Remove a member (not the last owner); their sessions end',
        params: MemberParams,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (req, reply) => {
      await teams.removeMember(req.params.id, req.params.userId, callerOf(req).userId);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/api/admin/audit',
    {
      config: { access: anyMember('owner') },
      schema: {
        ...admin,
        summary: "The audit log, newest first: a platform admin's whole, an owner's of their organizations",
        querystring: AuditQuery,
        response: { 200: AuditPageSchema, ...errors },
      },
    },
    async (req) => teams.audit(req.query, accessOf(req)),
  );
}
