import type { Guard } from '../auth/guard.js';
import { on } from '../auth/access-rule.js';
import type { App } from '../platform/http.js';
import { Type } from 'typebox';
import {
  MAX_LAYOUT_BYTES,
  PerformanceCancel,
  PerformancePatch,
  PerformanceSchema,
  VenueBody,
  VenuePatch,
  VenueSchema,
} from '../contract/catalog.js';
import { ErrorResponse, IdParams } from '../contract/common.js';
import type { Catalog } from './catalog.js';

const errors = { 400: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse, 422: ErrorResponse };
const admin = { tags: ['admin'], security: [{ bearer: [] }] };

/**
 * Live sale controls (issue 18), each applied on every node within two seconds, and the edits and
 * deletions of events and venues that go with them (refused while what is sold depends on them).
 */
export function liveControlRoutes(app: App, deps: { catalog: Catalog; guard: Guard }) {
  const { catalog } = deps;

  app.patch(
    '/api/admin/performances/:id',
    {
      config: { access: on('performance', 'manage', { action: 'performance.update' }) },
      schema: {
        ...admin,
        summary:
          'Edit a performance live: its start (ticket holders are told), sale window (a close now ends the sale), hold TTL, per-buyer cap, refund deadline, queue rate, ceiling and pass TTL',
        params: IdParams,
        body: PerformancePatch,
        response: { 200: PerformanceSchema, ...errors },
      },
    },
    async (req) => catalog.live.update(req.params.id, req.body),
  );

  app.post(
    '/api/admin/performances/:id/queue/pause',
    {
      config: { access: on('performance', 'manage', { action: 'performance.pause' }) },
      schema: {
        ...admin,
        summary:
          'Pause admission: joins are still taken in order, nobody is admitted, waiters see state "paused"; admitted buyers keep their pass',
        params: IdParams,
        response: { 200: PerformanceSchema, ...errors },
      },
    },
    async (req) => catalog.live.setPaused(req.params.id, true),
  );

  app.post(
    '/api/admin/performances/:id/queue/resume',
    {
      config: { access: on('performance', 'manage', { action: 'performance.resume' }) },
      schema: {
        ...admin,
        summary: 'Resume admission, in the order people joined',
        params: IdParams,
        response: { 200: PerformanceSchema, ...errors },
      },
    },
    async (req) => catalog.live.setPaused(req.params.id, false),
  );

  app.post(
    '/api/admin/performances/:id/cancel',
    {
      config: { access: on('performance', 'manage', { action: 'performance.cancel' }) },
      schema: {
        ...admin,
        summary:
          'Cancel a performance: its sale ends now, every paid order is refunded in full (a job), and every ticket holder is told why',
        params: IdParams,
        body: PerformanceCancel,
        response: { 200: PerformanceSchema, ...errors },
      },
    },
    async (req) => catalog.live.cancel(req.params.id, req.body.reason),
  );

  app.delete(
    '/api/admin/events/:id',
    {
      config: { access: on('event', 'manage', { action: 'event.delete' }) },
      schema: {
        ...admin,
        summary: 'Delete an event with no performances',
        params: IdParams,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (req, reply) => {
      await catalog.events.deleteEvent(req.params.id);
      return reply.code(204).send(null);
    },
  );

  app.patch(
    '/api/admin/venues/:id',
    {
      config: { access: on('venue', 'manage', { action: 'venue.update' }) },
      bodyLimit: MAX_LAYOUT_BYTES,
      schema: {
        ...admin,
        summary:
          'Edit a venue: name and address any time, its layout (sections, and in version 2 standing areas, stage and labels, given whole) only while no event uses it',
        params: IdParams,
        body: VenuePatch,
        response: { 200: VenueSchema, 413: ErrorResponse, ...errors },
      },
    },
    async (req) => catalog.venues.updateVenue(req.params.id, req.body),
  );

  app.get(
    '/api/admin/venues/:id/layout',
    {
      config: { access: on('venue', 'manage') },
      schema: {
        ...admin,
        summary: "A venue's layout file: the body that, POSTed to /api/admin/venues, makes the same venue",
        description:
          'The same seat numbers, places and attributes; a curve given by its angle comes back as its radius, ' +
          'rows that are all alike as rows × seatsPerRow. Sent as a download (content-disposition).',
        params: IdParams,
        response: { 200: VenueBody, ...errors },
      },
    },
    async (req, reply) => {
      const body = await catalog.venues.layout(req.params.id);
      return reply
        .header('content-disposition', `attachment; filename="venue-${req.params.id}-layout.json"`)
        .send(body);
    },
  );

  app.delete(
    '/api/admin/venues/:id',
    {
      config: { access: on('venue', 'manage', { action: 'venue.delete' }) },
      schema: {
        ...admin,
        summary: 'Delete a venue no event uses',
        params: IdParams,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (req, reply) => {
      await catalog.venues.deleteVenue(req.params.id);
      return reply.code(204).send(null);
    },
  );
}
