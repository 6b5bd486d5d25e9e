import { Type } from 'typebox';
import type { App } from '../platform/http.js';
import type { RateLimits } from '../engine/coordination/port.js';
import { rateLimit } from '../engine/coordination/rate-limit.js';
import { PasswordResetBody, PasswordResetConfirmBody, VerifyEmailBody } from '../contract/auth.js';
import { ErrorResponse } from '../contract/common.js';
import type { AccountLinks } from './account-links.js';

/** Password reset and address proof: the links Tmomi mails, and the pages' calls that use them. */
export function accountLinkRoutes(
  app: App,
  deps: { links: AccountLinks; engine: RateLimits; attemptsPerMinute: number },
) {
  const { links } = deps;
  // Each ask sends an email: limited per client address like login, so nobody floods an inbox.
  const limited = rateLimit(deps.engine, {
    name: 'account-links',
    limit: deps.attemptsPerMinute,
    windowMs: 60_000,
    key: (req) => req.ip,
  });
  const errors = { 400: ErrorResponse, 422: ErrorResponse, 429: ErrorResponse };

  app.post(
    '/api/auth/password-reset',
    {
      preHandler: limited,
      schema: {
        tags: ['auth'],
        summary: 'Mail a password reset link; always 202, whether or not the account exists',
        body: PasswordResetBody,
        response: { 202: Type.Null(), ...errors },
      },
    },
    async (req, reply) => {
      await links.requestReset(req.body.email);
      return reply.code(202).send(null);
    },
  );

  app.post(
    '/api/auth/password-reset/confirm',
    {
      preHandler: limited,
      schema: {
        tags: ['auth'],
        summary:
          'Set a new password with a mailed token (used once, for an hour); every session of the account ends',
        body: PasswordResetConfirmBody,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (req, reply) => {
      await links.confirmReset(req.body.token, req.body.password);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/api/auth/verify-email',
    {
      preHandler: limited,
      schema: {
        tags: ['auth'],
        summary: 'Prove the account’s address with the token mailed at signup',
        body: VerifyEmailBody,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (req, reply) => {
      await links.verifyEmail(req.body.token);
      return reply.code(204).send(null);
    },
  );
}
