import { Type } from 'typebox';
import { on } from '../auth/access-rule.js';
import { callerOf, type Guard } from '../auth/guard.js';
import type { AuthService } from '../auth/service.js';
import { withSessionCookie } from '../auth/session-cookie.js';
import { ErrorResponse, IdParams } from '../contract/common.js';
import {
  InvitationAcceptedSchema,
  InvitationBody,
  InvitationListSchema,
  InvitationOfferSchema,
  InvitationParams,
  InvitationSchema,
  InvitationTokenBody,
} from '../contract/teams.js';
import type { RateLimits } from '../engine/coordination/port.js';
import { rateLimit } from '../engine/coordination/rate-limit.js';
import type { App } from '../platform/http.js';
import type { InvitationService } from './invitations.js';

const errors = {
  400: ErrorResponse,
  401: ErrorResponse,
  403: ErrorResponse,
  404: ErrorResponse,
  409: ErrorResponse,
  410: ErrorResponse,
};
const admin = { tags: ['admin'], security: [{ bearer: [] }] };
/**
 * Invitations an organization may send in an hour, counted on every node together. Each is a mail from
 * Tmomi's domain carrying words an owner chose (the organization's name): a cap keeps an owner's
 * account, or a stolen one, from turning it into a spam relay, well above what staffing a door needs.
 */
const INVITATIONS_PER_HOUR = 50;

/** Invitations by email (decision 025): owners send and withdraw them; the invitee reads and accepts. */
export function invitationRoutes(
  app: App,
  deps: {
    invitations: InvitationService;
    guard: Guard;
    auth: Pick<AuthService, 'renewed'>;
    engine: RateLimits;
  },
) {
  const { invitations, guard, auth } = deps;
  // After the access check (the access control puts its own preHandler first): only owners count.
  const limited = rateLimit(deps.engine, {
    name: 'invitations',
    limit: INVITATIONS_PER_HOUR,
    windowMs: 3_600_000,
    key: (req) => (req.params as { id: string }).id,
  });

  app.get(
    '/api/admin/organizations/:id/invitations',
    {
      config: { access: on('organization', 'owner') },
      schema: {
        ...admin,
        summary: 'Invitations not yet accepted or withdrawn, newest first (expired ones marked)',
        params: IdParams,
        response: { 200: InvitationListSchema, ...errors },
      },
    },
    async (req) => invitations.pending(req.params.id),
  );

  app.post(
    '/api/admin/organizations/:id/invitations',
    {
      config: { access: on('organization', 'owner', { audit: 'self' }) },
      preHandler: limited,
      schema: {
        ...admin,
        summary:
          'Invite an email address with a role: a link is mailed, good once for 7 days; inviting the address again replaces it',
        params: IdParams,
        body: InvitationBody,
        response: { 201: InvitationSchema, ...errors, 429: ErrorResponse },
      },
    },
    async (req, reply) =>
      reply.code(201).send(await invitations.invite(req.params.id, req.body, callerOf(req).userId)),
  );

  app.delete(
    '/api/admin/organizations/:id/invitations/:invitationId',
    {
      config: { access: on('organization', 'owner', { audit: 'self' }) },
      schema: {
        ...admin,
        summary: 'Withdraw a pending invitation: its link stops working',
        params: InvitationParams,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (req, reply) => {
      await invitations.revoke(req.params.id, req.params.invitationId, callerOf(req).userId);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/api/invitations/lookup',
    {
      schema: {
        tags: ['auth'],
        summary: 'What an invitation link offers (organization, address, role), or why it no longer works',
        body: InvitationTokenBody,
        response: { 200: InvitationOfferSchema, ...errors },
      },
    },
    async (req) => invitations.offer(req.body.token),
  );

  app.post(
    '/api/invitations/accept',
    {
      onRequest: guard.user,
      schema: {
        tags: ['auth'],
        security: [{ bearer: [] }],
        summary:
          'Accept an invitation with the account of the invited address; the answer is the new session (the membership ended the old one)',
        body: InvitationTokenBody,
        response: { 200: InvitationAcceptedSchema, ...errors },
      },
    },
    async (req, reply) => {
      const accepted = await invitations.accept(req.body.token, callerOf(req).userId);
      const session = await auth.renewed(callerOf(req).userId);
      return withSessionCookie(req, reply, session).send({ ...accepted, session });
    },
  );
}
