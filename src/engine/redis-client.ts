import { readFileSync } from 'node:fs';
import type { Redis, RedisOptions } from 'ioredis';

// A dead or partitioned Redis must make calls fail within seconds (the request gets an error, /readyz
// says so), never hang. The deadlines are generous enough for the longest script (a run of a queue's
// draw, or the seal's read of a whole pre-queue).
export const CONNECTION_OPTIONS = {
  lazyConnect: true,
  // While reconnecting, a command waits for two attempts (about a second), then fails.
  maxRetriesPerRequest: 2,
  connectTimeout: 5_000,
  // A server that stops answering without closing the socket (a partition, a frozen host) fails the
  // caller after this long…
  commandTimeout: 5_000,
  // …and the silent socket is replaced, since TCP alone would take many minutes to notice it is dead.
  socketTimeout: 5_000,
  // A command cut off with its socket may already have run: resending it after the reconnect would run
  // it twice (an INCR counted twice). Its caller gets an error instead, as with a timeout.
  autoResendUnfulfilledCommands: false,
} satisfies RedisOptions;

/**
 * Connects or throws the reason. Connection errors are otherwise left to surface as rejected commands:
 * the listener only keeps an unhandled 'error' event from crashing the process.
 */
export async function connect(connection: Redis): Promise<void> {
  let lastError: unknown;
  connection.on('error', (err: unknown) => (lastError = err));
  try {
    await connection.connect();
  } catch (err) {
    // ioredis would otherwise keep reconnecting forever in the background, holding the process open.
    connection.disconnect();
    // The socket's error (ECONNREFUSED host:port) says more than the rejection ("Connection is closed").
    const reason = lastError ?? err;
    throw new Error(`cannot connect to Redis: ${reason instanceof Error ? reason.message : String(reason)}`, {
      cause: err,
    });
  }
}

/** Quits politely, or drops the socket when the server does not answer. */
export async function quit(connection: Redis): Promise<void> {
  await connection.quit().catch(() => connection.disconnect());
}

export interface Script {
  lua: string;
  numberOfKeys?: number;
}

/**
 * Reads scripts from the `.lua` files beside the module at `base` (its `import.meta.url`), once, when
 * that module loads: a missing file fails the boot, not the first call. Each script is its files
 * joined in order — the shared functions it uses (`*.lib.lua`) first, its own file last — so a shared
 * function is written once. `numberOfKeys`: how many KEYS each of the module's scripts takes; without
 * it, every call passes the count first. `npm run build:server` copies the files next to the compiled
 * code.
 *
 * Each multi-step change is one script, so it is atomic on the server; every key a script touches is
 * passed in KEYS (never built inside Lua), which is what Redis Cluster needs to route it.
 */
export function loadScripts<Name extends string>(
  base: string,
  scripts: Record<Name, readonly string[]>,
  numberOfKeys?: number,
): Record<Name, Script> {
  const loaded = {} as Record<Name, Script>;
  for (const [name, files] of Object.entries<readonly string[]>(scripts)) {
    const lua = files.map((file) => readFileSync(new URL(file, base), 'utf8')).join('\n');
    loaded[name as Name] = numberOfKeys === undefined ? { lua } : { lua, numberOfKeys };
  }
  return loaded;
}

/** Registers scripts as commands of `redis` under their names (EVALSHA, falling back to EVAL). */
export function defineScripts(redis: Redis, scripts: Record<string, Script>): void {
  for (const [name, script] of Object.entries(scripts)) redis.defineCommand(name, script);
}
