import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { AppError } from '../contract/errors.js';
import { isCrossSite } from './cross-site.js';
import type { AuthService, Caller } from './service.js';
import type { Sessions } from './sessions.js';

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
  /**
   * The caller a request's token names, if it names one, not asking whether the session is still
   * current; none for a change another site's page made with the cookie.
   */
  tokenCaller: (req: FastifyRequest) => Caller | undefined;
}

export interface GuardOptions {
  auth: AuthService;
  sessions: Sessions;
  /** Other sites' origins whose requests may carry the session cookie (TMOMI_CORS_ORIGINS). */
  trustedOrigins: readonly string[];
}

export function createGuard({ auth, sessions, trustedOrigins }: GuardOptions): Guard {
  const trusted = new Set(trustedOrigins);
  const hook =
    (allowed: (caller: Caller) => boolean): GuardHook =>
    (req, _reply, done) => {
      let caller: Caller;
      try {
        caller = requestCaller(auth, req, trusted);
      } catch (err) {
        done(err as Error);
        return;
      }
      const decide = (current: boolean) => {
        if (!current) return done(new AppError('SESSION_ENDED'));
        req.caller = caller;
        done(allowed(caller) ? undefined : new AppError('FORBIDDEN'));
      };
      // Known to this node (nearly always): decided now, with no promise; else once PostgreSQL says.
      const current = sessions.isCurrent(caller.userId, caller.sessionVersion);
      if (typeof current === 'boolean') decide(current);
      else current.then(decide, done);
    };
  const tokenCaller = (req: FastifyRequest) => {
    try {
      return requestCaller(auth, req, trusted);
    } catch {
      return undefined;
    }
  };
  return { user: hook(() => true), admin: hook((caller) => caller.role === 'admin'), tokenCaller };
}

/**
 * The caller a request's token names, before any check of its session; throws 401 for a missing,
 * forged or expired token, and 403 CROSS_SITE_REQUEST for a change another site's page made with the
 * session cookie (a Bearer token is never sent by a browser on its own, so only the cookie can be
 * forged with).
 */
function requestCaller(auth: AuthService, req: FastifyRequest, trusted: ReadonlySet<string>): Caller {
  const { token, cookie } = credentialsOf(req);
  if (cookie && isCrossSite(req, trusted)) throw new AppError('CROSS_SITE_REQUEST');
  return auth.authenticate(token);
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
