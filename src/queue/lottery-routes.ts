import { Type } from 'typebox';
import { callerOf, type Guard } from '../auth/guard.js';
import { emptyBody, type App } from '../platform/http.js';
import { ErrorResponse, IdParams } from '../contract/common.js';
import { FairnessQuery, FairnessSchema, MyFairnessSchema, RegistrationSchema } from '../contract/lottery.js';
import type { LotteryService } from './lottery.js';
import { ChallengeBody } from '../contract/queue.js';

const errors = { 400: ErrorResponse, 401: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse };
const tags = ['queue'];
const security = [{ bearer: [] }];

/** Lottery registration and the draw's fairness record (decision 029; a fifo room's pre-queue's too, 031). */
export function lotteryRoutes(app: App, deps: { lottery: LotteryService; guard: Guard }) {
  const { lottery, guard } = deps;

  app.post(
    '/api/performances/:id/registrations',
    {
      onRequest: guard.user,
      preValidation: emptyBody,
      schema: {
        tags,
        security,
        summary: 'Register for the lottery (idempotent: one registration per account)',
        params: IdParams,
        body: Type.Optional(ChallengeBody),
        response: { 200: RegistrationSchema, ...errors },
      },
    },
    // The proof-of-work challenge, when the performance asks for one, is spent by the service.
    async (req) => lottery.register(req.params.id, callerOf(req).userId, req.body?.challenge),
  );

  app.get(
    '/api/performances/:id/fairness',
    {
      schema: {
        tags,
        summary: "The draw's commitment, and after it the seed, the ordered hashes and their hash",
        params: IdParams,
        querystring: FairnessQuery,
        response: { 200: FairnessSchema, 400: ErrorResponse, 404: ErrorResponse },
      },
    },
    async (req) => {
      const record = await lottery.fairness(req.params.id);
      return req.query.entries ? record : { ...record, entries: null };
    },
  );

  app.get(
    '/api/performances/:id/fairness/me',
    {
      onRequest: guard.user,
      schema: {
        tags,
        security,
        summary: 'The values behind your own place: your id, your hash and your place',
        params: IdParams,
        response: { 200: MyFairnessSchema, ...errors },
      },
    },
    async (req) => lottery.mine(req.params.id, callerOf(req).userId),
  );
}
