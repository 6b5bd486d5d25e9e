import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../platform/errors.js';
import type { AuthService, Caller } from './service.js';

export const SESSION_COOKIE = 'tmomi_session';

declare module 'fastify' {
  interface FastifyRequest {
    caller: Caller | null;
  }
}

export interface Guard {
  /** onRequest hook (before the body is even read): the request must carry a valid access token. */
  user: (req: FastifyRequest, reply: FastifyReply) => Promise<void>;
  /** onRequest hook: … of an admin. */
  admin: (req: FastifyRequest, reply: FastifyReply) => Promise<void>;
}

export function createGuard(auth: AuthService): Guard {
  const authenticate = (req: FastifyRequest): Caller => {
    req.caller ??= auth.authenticate(tokenOf(req));
    return req.caller;
  };
  return {
    user: async (req) => {
      authenticate(req);
    },
    admin: async (req) => {
      if (authenticate(req).role !== 'admin') throw new AppError('FORBIDDEN');
    },
  };
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
