import { Type } from 'typebox';
import { creating, on, organizationOf } from '../auth/access-rule.js';
import type { Guard } from '../auth/guard.js';
import type { App } from '../platform/http.js';
import {
  AvailabilitySchema,
  EventBody,
  EventDetailSchema,
  EventPatch,
  EventSchema,
  JobSchema,
  MAX_LAYOUT_BYTES,
  Paging,
  PerformanceBody,
  PerformanceCreatedSchema,
  PerformanceDetailSchema,
  SearchQuery,
  SearchResultSchema,
  SeatMapSchema,
  VenueBody,
  VenueSchema,
} from '../contract/catalog.js';
import { ErrorResponse, IdParams } from '../contract/common.js';
import { sendRepresentation } from '../platform/representation.js';
import type { AvailabilityService } from '../inventory/availability.js';
import type { CatalogChanges } from '../inventory/catalog-changes.js';
import type { Catalog } from './catalog.js';
import { liveControlRoutes } from './live-routes.js';

const errors = { 400: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse, 422: ErrorResponse };
const admin = { tags: ['admin'], security: [{ bearer: [] }] };

/**
 * How long a browser, a CDN or the balancer may keep each public read (docs/architecture.md, "Public
 * reads"). What moves during a sale is kept a second, then revalidated in the background; a revalidation
 * is a 304 the node answers from memory.
 */
const CACHE = {
  live: 'public, max-age=1, stale-while-revalidate=2',
  page: 'public, max-age=2, stale-while-revalidate=10',
  search: 'public, max-age=5, stale-while-revalidate=30',
  venue: 'public, max-age=60, stale-while-revalidate=600',
  layout: 'public, max-age=300, stale-while-revalidate=86400',
} as const;

/**
 * The memory replies' name for what shows a performance's availability (the bitset, the seats left on
 * its page), dropped when this node flips its seats.
 */
const availabilityTag = (performanceId: string) => `availability:${performanceId}`;

export function catalogRoutes(
  app: App,
  deps: { catalog: Catalog; guard: Guard; availability: AvailabilityService; changes: CatalogChanges },
) {
  const { catalog } = deps;
  // The memory replies repeat the catalog's cached answers, so they drop with them: every catalog
  // change drops all of them; this node's seat flips drop that performance's availability.
  deps.changes.onChange(() => app.memoryReplies.clear());
  deps.availability.onFlipped((id) => app.memoryReplies.forget(availabilityTag(id)));
  const { venues, events, performances } = catalog;
  liveControlRoutes(app, deps);

  app.post(
    '/api/admin/venues',
    {
      config: { access: creating('venue', { action: 'venue.create' }) },
      // A 100,000-seat layout with every row given is a few hundred kilobytes; more is 413.
      bodyLimit: MAX_LAYOUT_BYTES,
      schema: {
        ...admin,
        summary: 'Create a venue from its layout: the compact one, or version 2 placed on a plane',
        description:
          'The compact layout stacks sections (rows × seatsPerRow, or each row). Version 2 (`"version": 2`) places ' +
          'each section by the middle of its front row (x, y, rotation), may curve its rows (curve.radius or ' +
          'curve.angle) and leave aisles (aisles, gaps), marks seats accessible, companion or blocked (never for ' +
          'sale), and adds standing areas (name, grade, capacity, sold by quantity), a stage and labels. ' +
          '422 INVALID_LAYOUT, DUPLICATE_SECTION, SECTIONS_OVERLAP or LAYOUT_TOO_LARGE name the bad part ' +
          `(details.field); a body over ${MAX_LAYOUT_BYTES} bytes is 413 PAYLOAD_TOO_LARGE.`,
        body: VenueBody,
        response: { 201: VenueSchema, 413: ErrorResponse, ...errors },
      },
    },
    async (req, reply) => reply.code(201).send(await venues.createVenue(req.body, organizationOf(req))),
  );

  app.get(
    '/api/venues',
    {
      schema: {
        tags: ['catalog'],
        summary: 'List venues',
        querystring: Paging,
        response: { 200: Type.Array(VenueSchema) },
      },
    },
    async (req) => venues.venues(req.query.page, req.query.pageSize),
  );

  app.get(
    '/api/venues/:id',
    {
      schema: {
        tags: ['catalog'],
        params: IdParams,
        response: { 200: VenueSchema, 304: Type.Null(), ...errors },
      },
    },
    async (req, reply) => sendRepresentation(req, reply, await venues.venue(req.params.id), CACHE.venue),
  );

  app.get(
    '/api/venues/:id/seats',
    {
      schema: {
        tags: ['catalog'],
        summary:
          'The seat map: per-row runs of seat numbers (firstSeatNo…) and, in version 2, where each section, standing area, the stage and labels are; cacheable with ETag',
        description:
          'A compact layout draws seat i of a row at (x + i, y). A version 2 layout places each seat from its ' +
          "section's x, y, rotation and curve and its row's gaps and offset (src/contract/geometry.ts, " +
          '`seatPositions`, is the one definition); rows keep x and y as a plain stacked drawing.',
        params: IdParams,
        response: { 200: SeatMapSchema, 304: Type.Null(), ...errors },
      },
    },
    async (req, reply) => sendRepresentation(req, reply, await venues.seatMap(req.params.id), CACHE.layout),
  );

  app.post(
    '/api/admin/events',
    {
      config: { access: creating('event', { action: 'event.create' }) },
      schema: {
        ...admin,
        summary: 'Create an event with a price per grade',
        body: EventBody,
        response: { 201: EventSchema, ...errors },
      },
    },
    async (req, reply) => reply.code(201).send(await events.createEvent(req.body, organizationOf(req))),
  );

  app.patch(
    '/api/admin/events/:id',
    {
      config: { access: on('event', 'manage', { action: 'event.update' }) },
      schema: {
        ...admin,
        summary: 'Edit an event',
        params: IdParams,
        body: EventPatch,
        response: { 200: EventSchema, ...errors },
      },
    },
    async (req) => events.updateEvent(req.params.id, req.body),
  );

  app.get(
    '/api/events',
    {
      schema: {
        tags: ['catalog'],
        summary: 'Search events: every word of q must appear in the title or artist (partial words too)',
        querystring: SearchQuery,
        response: { 200: SearchResultSchema, 304: Type.Null(), ...errors },
      },
    },
    async (req, reply) => sendRepresentation(req, reply, await events.searchEvents(req.query), CACHE.search),
  );

  app.get(
    '/api/events/:id',
    {
      schema: {
        tags: ['catalog'],
        params: IdParams,
        response: { 200: EventDetailSchema, 304: Type.Null(), ...errors },
      },
    },
    async (req, reply) => sendRepresentation(req, reply, await events.event(req.params.id), CACHE.page),
  );

  app.post(
    '/api/admin/events/:id/performances',
    {
      config: { access: on('event', 'manage', { creates: 'performance', action: 'performance.create' }) },
      schema: {
        ...admin,
        summary: 'Create a performance; its tickets are generated by the returned job',
        params: IdParams,
        body: PerformanceBody,
        response: { 201: PerformanceCreatedSchema, ...errors },
      },
    },
    async (req, reply) => reply.code(201).send(await performances.createPerformance(req.params.id, req.body)),
  );

  app.delete(
    '/api/admin/performances/:id',
    {
      config: { access: on('performance', 'manage', { action: 'performance.delete' }) },
      schema: {
        ...admin,
        summary: 'Delete a performance with no held or sold tickets and no orders',
        params: IdParams,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (req, reply) => {
      await performances.deletePerformance(req.params.id);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/api/performances/:id',
    {
      schema: {
        tags: ['catalog'],
        params: IdParams,
        response: { 200: PerformanceDetailSchema, 304: Type.Null(), ...errors },
      },
    },
    // Its seats left come from the availability bitset: this node's flips drop it with the bitset.
    async (req, reply) =>
      sendRepresentation(req, reply, await performances.performance(req.params.id), CACHE.live, {
        tag: availabilityTag(req.params.id),
      }),
  );

  app.get(
    '/api/performances/:id/availability',
    {
      schema: {
        tags: ['catalog'],
        summary: 'The live availability bitset; send If-None-Match to get 304 when unchanged',
        params: IdParams,
        response: { 200: AvailabilitySchema, 304: Type.Null(), ...errors },
      },
    },
    async (req, reply) => {
      const availability = await performances.availability(req.params.id);
      // The version is the ETag (DESIGN.md): compared in memory, before any bytes are made.
      return sendRepresentation(req, reply, availability, CACHE.live, {
        etag: `"${availability.version}"`,
        tag: availabilityTag(req.params.id),
      });
    },
  );

  app.get(
    '/api/admin/jobs/:id',
    {
      config: { access: on('job', 'manage') },
      schema: {
        ...admin,
        summary: 'Progress of a background job',
        params: IdParams,
        response: { 200: JobSchema, ...errors },
      },
    },
    async (req) => performances.job(req.params.id),
  );
}
