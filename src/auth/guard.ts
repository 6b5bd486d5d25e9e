import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { AppError } from '../contract/errors.js';
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
}

export function createGuard({ auth, sessions }: { auth: AuthService; sessions: Sessions }): Guard {
  const hook =
    (allowed: (caller: Caller) => boolean): GuardHook =>
    (req, _reply, done) => {
      let caller: Caller;
      try {
        caller = auth.authenticate(tokenOf(req));
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
  return { user: hook(() => true), admin: hook((caller) => caller.role === 'admin') };
}

/** The caller a request's token names, if any and valid, before any check of its session. */
export function tokenCaller(auth: AuthService, req: FastifyRequest): Caller | undefined {
  try {
    return auth.authenticate(tokenOf(req));
  } catch {
    return undefined;
  }
}

/** The Bearer header wins; the httpOnly cookie exists for EventSource, which cannot set headers. */
function tokenOf(req: FastifyRequest): string | undefined {
  const header = req.headers.authorization;
  if (header !== undefined) {
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw new AppError('TOKEN_INVALID', 'The Authorization header must be "Bearer <token>".');
    return match[1];
  }
  return req.cookies[SESSION_COOKIE];
}

/** The authenticated caller of a route guarded by `guard.user` or `guard.admin`. */
export function callerOf(req: FastifyRequest): Caller {
  if (!req.caller) throw new AppError('UNAUTHENTICATED');
  return req.caller;
}
