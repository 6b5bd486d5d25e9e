import type { Redis, RedisOptions } from 'ioredis';

// A dead or partitioned Redis must make calls fail within seconds (the request gets an error, /readyz
// says so), never hang. The deadlines are generous enough for the longest script (a queue's opening
// shuffle).
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
