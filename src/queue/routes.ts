import { Type } from 'typebox';
import { callerOf, type Guard } from '../auth/guard.js';
import type { App } from '../platform/http.js';
import { ErrorResponse, IdParams } from '../contract/common.js';
import { ChallengeBody, ChallengeViewSchema, QueueViewSchema } from '../contract/queue.js';
import type { ChallengeService } from './challenge.js';
import type { QueueMetrics } from './metrics.js';
import type { QueueService } from './service.js';
import type { QueueStreams } from './streams.js';

const errors = { 401: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse, 429: ErrorResponse };
const challengeErrors = { 400: ErrorResponse, 403: ErrorResponse };

/** Reads a request without a body as an empty object, for a route whose body is all optional. */
export async function emptyBody(req: { body: unknown }) {
  req.body ??= {};
}

/**
 * A preHandler that spends the solved challenge in the body's `challenge` (ChallengeBody) for the
 * performance in the route's `:id`, for routes the door guards beside the join (a lottery
 * registration): `{ preHandler: challengeGate(queue.challenges), schema: { body: …with ChallengeBody's
 * field… } }`. Refuses with 403 CHALLENGE_REQUIRED or CHALLENGE_REUSED.
 */
export function challengeGate(challenges: ChallengeService | undefined) {
  return async (req: { params: unknown; body: unknown }) => {
    const { id } = req.params as { id: string };
    await challenges?.spend(id, (req.body as ChallengeBody | undefined)?.challenge);
  };
}

const tags = ['queue'];
const security = [{ bearer: [] }];

export function queueRoutes(
  app: App,
  deps: { queue: QueueService; streams: QueueStreams; guard: Guard; metrics: QueueMetrics },
) {
  const { queue, streams, guard } = deps;

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
          'Server-Sent Events: position, admitted, expired, closed, reconnect, replaced (by a newer stream of yours); authenticate with the session cookie',
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
