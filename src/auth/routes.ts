import { Type } from 'typebox';
import { platformOnly } from '../auth/access-rule.js';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { App } from '../platform/http.js';
import type { Counters, RateLimits } from '../engine/coordination/port.js';
import { rateLimit } from '../engine/coordination/rate-limit.js';
import { LoginThrottle } from './login-throttle.js';
import { callerOf, SESSION_COOKIE, type Guard } from './guard.js';
import type { AuthService, Session } from './service.js';
import type { Sessions } from './sessions.js';
import type { Totp } from './totp.js';
import { totpRoutes } from './totp-routes.js';
import { withSessionCookie } from './session-cookie.js';
import {
  LoginBody,
  PasswordChangeBody,
  PublicUserSchema,
  SessionSchema,
  SignupBody,
  UserPageSchema,
  UsersQuery,
} from '../contract/auth.js';
import { ErrorResponse } from '../contract/common.js';

export function authRoutes(
  app: App,
  deps: {
    auth: AuthService;
    sessions: Sessions;
    totp: Totp;
    guard: Guard;
    engine: RateLimits & Counters;
    attemptsPerMinute: number;
  },
) {
  const { auth, sessions, guard } = deps;
  const throttle = new LoginThrottle({ counters: deps.engine });
  totpRoutes(app, { auth, totp: deps.totp, guard, throttle });
  const limited = rateLimit(deps.engine, {
    name: 'auth',
    limit: deps.attemptsPerMinute,
    windowMs: 60_000,
    key: (req) => req.ip,
  });
  /** The session in the body, and as the httpOnly cookie EventSource needs. */
  const sendSession = (req: FastifyRequest, reply: FastifyReply, session: Session) =>
    withSessionCookie(req, reply, session).send(session);

  app.post(
    '/api/auth/signup',
    {
      preHandler: limited,
      schema: {
        tags: ['auth'],
        summary: 'Create an account',
        body: SignupBody,
        headers: Type.Object({ 'accept-language': Type.Optional(Type.String({ maxLength: 1000 })) }),
        response: { 201: SessionSchema, 409: ErrorResponse, 429: ErrorResponse },
      },
    },
    async (req, reply) => {
      const locale = req.body.locale ?? localeOf(req.headers['accept-language']);
      return sendSession(req, reply.code(201), await auth.signup({ ...req.body, locale }));
    },
  );

  app.post(
    '/api/auth/login',
    {
      preHandler: limited,
      schema: {
        tags: ['auth'],
        summary: 'Log in; also sets an httpOnly session cookie for EventSource',
        body: LoginBody,
        response: { 200: SessionSchema, 401: ErrorResponse, 403: ErrorResponse, 429: ErrorResponse },
      },
    },
    async (req, reply) => {
      const session = await throttle.attempt(req.body.email, () => auth.login(req.body));
      return sendSession(req, reply, session);
    },
  );

  app.post(
    '/api/auth/logout',
    {
      schema: {
        tags: ['auth'],
        summary: 'Log out: end the account’s sessions on every device, and clear the session cookie',
        response: { 204: Type.Null() },
      },
    },
    async (req, reply) => {
      const caller = guard.tokenCaller(req);
      // Only a token of the current session ends it: an old token, stolen once, must not be able to
      // log its owner out again and again.
      if (caller && (await sessions.isCurrent(caller.userId, caller.sessionVersion)))
        await sessions.end(caller.userId);
      return reply.clearCookie(SESSION_COOKIE, { path: '/' }).code(204).send(null);
    },
  );

  app.post(
    '/api/me/password',
    {
      onRequest: guard.user,
      schema: {
        tags: ['auth'],
        summary: 'Change your password: every other session ends; the answer is this device’s new one',
        security: [{ bearer: [] }],
        body: PasswordChangeBody,
        response: { 200: SessionSchema, 401: ErrorResponse, 403: ErrorResponse, 422: ErrorResponse },
      },
    },
    async (req, reply) => {
      const caller = callerOf(req);
      // The current password is guessed here as at login: the same throttle, per account.
      const session = await throttle.attempt(`user:${caller.userId}`, () =>
        auth.changePassword(caller, req.body),
      );
      return sendSession(req, reply, session);
    },
  );

  app.get(
    '/api/me',
    {
      onRequest: guard.user,
      schema: {
        tags: ['auth'],
        summary: 'The current user',
        security: [{ bearer: [] }],
        response: { 200: PublicUserSchema, 401: ErrorResponse },
      },
    },
    async (req) => auth.me(callerOf(req)),
  );

  app.get(
    '/api/admin/users',
    {
      config: { access: platformOnly() },
      schema: {
        tags: ['admin'],
        summary: 'List accounts (keyset pagination: pass `next` back as `after`)',
        security: [{ bearer: [] }],
        querystring: UsersQuery,
        response: { 200: UserPageSchema, 401: ErrorResponse, 403: ErrorResponse },
      },
    },
    async (req) => auth.listUsers(req.query),
  );
}

/** The language of the account's mail from Accept-Language: Korean when it is preferred, else English. */
export function localeOf(header: string | undefined): 'ko' | 'en' {
  const ranked = (header ?? '')
    .split(',')
    .map((part) => {
      const [tag = '', ...params] = part.trim().toLowerCase().split(';');
      const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
      return { tag, q: q === undefined ? 1 : Number(q) };
    })
    .filter((l) => (l.tag.startsWith('ko') || l.tag.startsWith('en')) && l.q > 0)
    .sort((a, b) => b.q - a.q);
  return ranked[0]?.tag.startsWith('ko') ? 'ko' : 'en';
}
