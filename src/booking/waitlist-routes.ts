import { Type } from 'typebox';
import { callerOf, type Guard } from '../auth/guard.js';
import { IdParams } from '../contract/common.js';
import { WaitlistBody, WaitlistEntrySchema } from '../contract/waitlist.js';
import type { App } from '../platform/http.js';
import { errors, security } from './route-schemas.js';
import type { WaitlistService } from './waitlist/service.js';

/** The waiting list of a sold-out performance (decision 028). */
export function waitlistRoutes(app: App, deps: { waitlist: WaitlistService; guard: Guard }) {
  const { waitlist, guard } = deps;

  app.post(
    '/api/performances/:id/waitlist',
    {
      onRequest: guard.user,
      schema: {
        tags: ['booking'],
        security,
        summary: 'Join the waiting list of a sold-out performance (409 NOT_SOLD_OUT while seats are on sale)',
        description:
          'One entry per account and performance: joining again answers the same entry (200). Seats that ' +
          'come back go to the entries in order of arrival, as an offer: a hold to pay for at checkout.',
        params: IdParams,
        body: WaitlistBody,
        response: { 200: WaitlistEntrySchema, 201: WaitlistEntrySchema, ...errors },
      },
    },
    async (req, reply) => {
      const { entry, created } = await waitlist.join(req.params.id, callerOf(req).userId, req.body);
      return reply.code(created ? 201 : 200).send(entry);
    },
  );

  app.get(
    '/api/performances/:id/waitlist/me',
    {
      onRequest: guard.user,
      schema: {
        tags: ['booking'],
        security,
        summary: 'Your place on the waiting list, or the seats it offers you (404 NOT_ON_WAITLIST)',
        params: IdParams,
        response: { 200: WaitlistEntrySchema, ...errors },
      },
    },
    async (req) => waitlist.me(req.params.id, callerOf(req).userId),
  );

  app.delete(
    '/api/performances/:id/waitlist',
    {
      onRequest: guard.user,
      schema: {
        tags: ['booking'],
        security,
        summary: 'Leave the waiting list (an offer not yet paid for is released to the next entry)',
        params: IdParams,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (req, reply) => {
      await waitlist.leave(req.params.id, callerOf(req).userId);
      return reply.code(204).send(null);
    },
  );
}
