import type { Engine } from './engine.js';
import { createMemoryEngine } from './memory.js';
import { createRedisEngine } from './redis.js';

export type { Engine, RateLimitResult } from './engine.js';
export type {
  GateAcquireResult,
  GateHold,
  GateHoldRef,
  GateRequest,
  GateSnapshot,
} from './hold-gate/port.js';
export type {
  AdmitResult,
  JoinOptions,
  JoinResult,
  QueueEntry,
  QueueState,
  QueueStats,
} from './waiting-room/port.js';

/** The memory engine unless a Redis URL is given (the scaled mode). */
export async function createEngine(opts: {
  redisUrl?: string | undefined;
  keyPrefix?: string;
}): Promise<Engine> {
  if (!opts.redisUrl) return createMemoryEngine();
  return createRedisEngine({ url: opts.redisUrl, keyPrefix: opts.keyPrefix });
}
