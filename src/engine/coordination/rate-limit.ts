import type { FastifyRequest } from 'fastify';
import { AppError } from '../../contract/errors.js';
import type { RateLimits } from './port.js';
import { rateLimitKey } from '../keys.js';

/**
 * A preHandler that counts requests per key in the engine (so the limit holds across all nodes) and
 * answers 429 RATE_LIMITED with Retry-After once the fixed window is full.
 */
export function rateLimit(
  engine: RateLimits,
  opts: { name: string; limit: number; windowMs: number; key: (req: FastifyRequest) => string },
): (req: FastifyRequest) => Promise<void> {
  return async (req) => {
    const result = await engine.hitRateLimit(
      rateLimitKey(opts.name, opts.key(req)),
      opts.limit,
      opts.windowMs,
    );
    if (!result.allowed) throw rateLimited(result.retryAfterMs);
  };
}

/** The 429 for a caller over a limit; the error handler turns `retryAfterSeconds` into Retry-After. */
export function rateLimited(retryAfterMs: number): AppError {
  return new AppError('RATE_LIMITED', undefined, {
    retryAfterSeconds: Math.max(1, Math.ceil(retryAfterMs / 1000)),
  });
}
