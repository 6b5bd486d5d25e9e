import { Type } from 'typebox';
import { callerOf, type Guard } from '../auth/guard.js';
import { emptyBody, type App } from '../platform/http.js';
import { ErrorResponse, IdParams } from '../contract/common.js';
import { ChallengeBody, ChallengeViewSchema, QueueViewSchema } from '../contract/queue.js';
import type { QueueMetrics } from './metrics.js';
import type { QueueService } from './service.js';
import type { QueueStreams } from './streams.js';
import type { LotteryService } from './lottery.js';
import { lotteryRoutes } from './lottery-routes.js';

const errors = { 401: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse, 429: ErrorResponse };
const challengeErrors = { 400: ErrorResponse, 403: ErrorResponse };

const tags = ['queue'];
const security = [{ bearer: [] }];

export function queueRoutes(
  app: App,
  deps: {
    queue: QueueService;
    streams: QueueStreams;
    lottery: LotteryService;
    guard: Guard;
    metrics: QueueMetrics;
  },
) {
  const { queue, streams, guard } = deps;
  lotteryRoutes(app, { lottery: deps.lottery, guard });

  app.post(
    '/api/performances/:id/queue',
    {
      onRequest: guard.user,
      // A join sends no body while the door asks for no proof of work, as before it had one.
      preValidation: emptyBody,
      schema: {
        tags,
        security,
        summary: 'Join the waiting room (idempotent); with a solved challenge while the door asks for one',
        params: IdParams,
        body: Type.Optional(ChallengeBody),
        response: { 200: QueueViewSchema, ...errors, ...challengeErrors },
      },
    },
    async (req) => {
      const view = await queue.join(req.params.id, callerOf(req).userId, req.body?.challenge);
      // Counted once the performance is known to exist: a label taken from the URL before that would
      // let anyone logged in grow the series without bound.
      deps.metrics.joins.inc({ performance: req.params.id });
      return view;
    },
  );

  app.get(
    '/api/performances/:id/challenge',
    {
      schema: {
        tags,
        summary:
          "A fresh proof-of-work challenge for the performance's door (ALTCHA v2, SHA-256); solve it in the browser and send it with the join",
        params: IdParams,
        response: { 200: ChallengeViewSchema, 404: ErrorResponse },
      },
    },
    async (req, reply) => {
      // Each answer is new and single-use: no cache, shared or private, may keep or repeat one.
      void reply.header('cache-control', 'no-store');
      return queue.challenges?.issue(req.params.id) ?? { required: false, difficulty: 0 };
    },
  );

  app.get(
    '/api/performances/:id/queue/me',
    {
      onRequest: guard.user,
      schema: {
        tags,
        security,
        summary: 'Poll your place (for clients without SSE)',
        description:
          'Your place in the waiting room, or `waitlisted` when it is over (or you have none) while you are on ' +
          "the performance's waiting list; with `offer` while the list offers you seats. Read from the engine, " +
          'never the database. 404 NOT_IN_QUEUE when you have neither.',
        params: IdParams,
        response: { 200: QueueViewSchema, ...errors },
      },
    },
    async (req) => queue.status(req.params.id, callerOf(req).userId),
  );

  app.delete(
    '/api/performances/:id/queue',
    {
      onRequest: guard.user,
      schema: {
        tags,
        security,
        summary: 'Leave the waiting room',
        params: IdParams,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (req, reply) => {
      await queue.leave(req.params.id, callerOf(req).userId);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/api/performances/:id/queue/events',
    {
      onRequest: guard.user,
      schema: {
        tags,
        security,
        summary:
          'Server-Sent Events: position, admitted, expired, closed, waitlisted, offer, reconnect, replaced (by a newer stream of yours); authenticate with the session cookie',
        description:
          "A buyer on the performance's waiting list keeps the stream when their place is over (`waitlisted`), " +
          'and gets `offer` {offer} the moment the list offers them seats, on whichever node, and {offer: null} ' +
          'when the offer is paid, released or lapses.',
        params: IdParams,
        response: errors,
      },
    },
    async (req, reply) => {
      const userId = callerOf(req).userId;
      // Errors before the stream starts (unknown performance, never joined) still get the JSON error shape.
      const initial = await queue.status(req.params.id, userId);
      reply.hijack();
      streams.open(req.params.id, userId, initial, reply.raw, req.id);
    },
  );
}
