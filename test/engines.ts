import { randomUUID } from 'node:crypto';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { inject } from 'vitest';
import { createMemoryEngine, createRedisEngine, type Engine } from '../src/engine/index.js';
import { perfTag } from '../src/engine/keys.js';
import type { TestClock } from './harness.js';
import { deleteKeysUnder, keysUnder, openTestRedis } from './redis-keys.js';

/**
 * The engine adapters a contract suite runs against: memory always, Redis when REDIS_URL is set, and
 * Redis Cluster when the run has the cluster mode (test/redis-cluster-mode.ts).
 * "Another node" means another engine client: for Redis a second connection to the same server and
 * prefix, for memory the same instance (the memory engine is one node by definition).
 */
export interface EngineAdapter {
  name: 'memory' | 'redis' | 'redis-cluster';
  /** A fresh, isolated engine; `clock` is honoured where the adapter can use it (memory). */
  open(clock?: TestClock): Promise<Engine>;
  peer(of: Engine): Promise<Engine>;
  /** Lets time pass for expiry: the fake clock for memory, real time for Redis. */
  wait(clock: TestClock | undefined, ms: number): Promise<void>;
  /**
   * Redis only: the keys of performance `perf` (its `{perf:ID}` hash tag) that have no expiry — each
   * one a leak, since every key the engine writes for a performance must expire by itself.
   */
  keysWithoutExpiry?(engine: Engine, perf: string): Promise<string[]>;
}

const runPrefix = `test:${process.pid}:${Date.now()}:`;
const opened: Engine[] = [];
const track = (engine: Engine) => (opened.push(engine), engine);

export function engineAdapters(): EngineAdapter[] {
  const adapters: EngineAdapter[] = [
    {
      name: 'memory',
      open: async (clock) => track(createMemoryEngine({ clock })),
      peer: async (of) => of,
      wait: async (clock, ms) => clock?.advance(ms),
    },
  ];
  const redisUrl = process.env.REDIS_URL;
  if (redisUrl) adapters.push(redisAdapter('redis', redisUrl));
  const clusterUrl = inject('redisClusterUrl');
  if (clusterUrl) adapters.push(redisAdapter('redis-cluster', clusterUrl));
  return adapters;
}

function redisAdapter(name: 'redis' | 'redis-cluster', redisUrl: string): EngineAdapter {
  const prefixes = new Map<Engine, string>();
  return {
    name,
    open: async () => {
      const keyPrefix = `${runPrefix}${randomUUID().slice(0, 8)}:`;
      const engine = track(await createRedisEngine({ url: redisUrl, keyPrefix }));
      prefixes.set(engine, keyPrefix);
      return engine;
    },
    peer: async (of) => track(await createRedisEngine({ url: redisUrl, keyPrefix: prefixes.get(of) })),
    wait: (_clock, ms) => new Promise((r) => setTimeout(r, ms)),
    keysWithoutExpiry: async (engine, perf) => {
      const redis = openTestRedis(redisUrl);
      try {
        await redis.connect();
        const keys = await keysUnder(redis, `${prefixes.get(engine)}${perfTag(perf)}`);
        const ttls = await Promise.all(keys.map((key) => redis.pttl(key)));
        return keys.filter((_, i) => ttls[i] === -1);
      } finally {
        await redis.quit();
      }
    },
  };
}

/** Closes every engine the adapters opened and deletes this run's Redis keys. For afterAll. */
export async function closeEngines(): Promise<void> {
  await Promise.all(opened.splice(0).map((e) => e.close()));
  for (const redisUrl of [process.env.REDIS_URL, inject('redisClusterUrl')]) {
    if (redisUrl) await deleteKeysUnder(redisUrl, runPrefix);
  }
}

/**
 * Lets `ms` pass to reach an expiry instant. The memory engine's test clock lands on it exactly, and
 * the memory engine has expired by then; Redis expires a key only once past its instant, in real time.
 */
export async function waitToExpiry(adapter: EngineAdapter, clock: TestClock, ms: number): Promise<void> {
  await adapter.wait(clock, ms);
  if (adapter.name !== 'memory') await adapter.wait(clock, 5);
}

/**
 * Heap and buffer bytes in use after full garbage collections (a turn apart, so that freed buffers are
 * returned too): the only way to see whether the memory engine let go of expired state that changes no
 * answer (a gate past its marks, a bitset nobody reads again). `gc` is exposed on first use only.
 */
let gc: (() => void) | undefined;
export async function bytesInUse(): Promise<number> {
  if (!gc) {
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as () => void;
  }
  gc();
  await nextTurn();
  gc();
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return heapUsed + arrayBuffers;
}

/** Each user's entry as [state, seq, position] (null when none): how the restore contracts compare rooms. */
export async function queuePositions(engine: Engine, perf: string, users: string[], now: number) {
  return (await engine.queueObserve(perf, users, now)).map((e) => e && [e.state, e.seq, e.position]);
}
