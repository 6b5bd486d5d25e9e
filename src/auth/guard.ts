import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { AppError } from '../contract/errors.js';
import { isCrossSite } from './cross-site.js';
import type { AuthService, Caller } from './service.js';

export const SESSION_COOKIE = 'tmomi_session';

declare module 'fastify' {
  interface FastifyRequest {
    caller: Caller | null;
  }
}

/** An onRequest hook in callback form: it runs on every guarded request, so it costs no promise. */
type GuardHook = (req: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => void;

export interface Guard {
  /** onRequest hook (before the body is even read): the request must carry a valid access token. */
  user: GuardHook;
  /** onRequest hook: … of an admin. */
  admin: GuardHook;
}

export interface GuardOptions {
  auth: AuthService;
  /** Other sites' origins whose requests may carry the session cookie (TMOMI_CORS_ORIGINS). */
  trustedOrigins: readonly string[];
}

export function createGuard({ auth, trustedOrigins }: GuardOptions): Guard {
  const trusted = new Set(trustedOrigins);
  const authenticate = (req: FastifyRequest): Caller => {
    if (req.caller) return req.caller;
    const { token, cookie } = credentialsOf(req);
    // A Bearer token is never sent by a browser on its own, so only the cookie can be forged with.
    if (cookie && isCrossSite(req, trusted)) throw new AppError('CROSS_SITE_REQUEST');
    req.caller = auth.authenticate(token);
    return req.caller;
  };
  const hook =
    (allowed: (caller: Caller) => boolean): GuardHook =>
    (req, _reply, done) => {
      let caller: Caller;
      try {
        caller = authenticate(req);
      } catch (err) {
        done(err as Error);
        return;
      }
      done(allowed(caller) ? undefined : new AppError('FORBIDDEN'));
    };
  return { user: hook(() => true), admin: hook((caller) => caller.role === 'admin') };
}

/**
 * The Bearer header wins; the httpOnly cookie exists for EventSource, which cannot set headers, and for
 * the web app, which keeps no token where scripts could read it. `cookie`: the token came from it.
 */
function credentialsOf(req: FastifyRequest): { token: string | undefined; cookie: boolean } {
  const header = req.headers.authorization;
  if (header !== undefined) {
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw new AppError('TOKEN_INVALID', 'The Authorization header must be "Bearer <token>".');
    return { token: match[1], cookie: false };
  }
  const token = req.cookies[SESSION_COOKIE];
  return { token, cookie: token !== undefined };
}

/** The authenticated caller of a route guarded by `guard.user` or `guard.admin`. */
export function callerOf(req: FastifyRequest): Caller {
  if (!req.caller) throw new AppError('UNAUTHENTICATED');
  return req.caller;
}
