import type { FastifyReply, FastifyRequest } from 'fastify';
import { SESSION_COOKIE } from './guard.js';
import type { Session } from './service.js';

/**
 * Sets a new session as the httpOnly cookie EventSource needs (the body carries it too). Used by every
 * answer that gives a session: login, signup, a password change, an accepted invitation.
 */
export function withSessionCookie(req: FastifyRequest, reply: FastifyReply, session: Session): FastifyReply {
  return reply.setCookie(SESSION_COOKIE, session.accessToken, {
    path: '/',
    httpOnly: true,
    sameSite: 'strict',
    expires: new Date(session.expiresAt),
    secure: req.protocol === 'https',
  });
}
