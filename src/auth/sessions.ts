import type { PubSub } from '../engine/coordination/port.js';
import { CHANNELS } from '../engine/keys.js';
import { Batcher } from '../platform/batcher.js';
import type { Clock } from '../platform/clock.js';
import type { Logger } from '../platform/logger.js';
import type { UserRepository } from './repository.js';

/**
 * How long a node trusts the session version it knows of a user. Changes made through Tmomi (logout)
 * reach every node at once over pub/sub; this bounds the rest — a role or password changed by hand in
 * SQL, a user deleted, a message lost while a node was cut off from Redis.
 */
export const SESSION_VERSION_TTL_MS = 60_000;
/** Users whose version a node keeps; beyond it the oldest are forgotten (and read again when next seen). */
const MAX_KNOWN = 200_000;
/** Users whose version one read asks for, and reads at a time: a herd's first requests come together. */
const READ_BATCH = 500;
const READS_IN_FLIGHT = 2;

export interface SessionsOptions {
  users: Pick<UserRepository, 'sessionVersions' | 'endSessions'>;
  engine: PubSub;
  clock: Clock;
  logger: Logger;
}

/**
 * Whether an access token's session is still the user's (issue 16, defect 1): the token carries the
 * user's session version when it was issued, and is refused once the version has moved on (logout, a
 * new role or password) or the user is gone. PostgreSQL has the truth (`users.session_version`); each
 * node keeps what it read in memory, so a request costs no read — one per user and node every
 * SESSION_VERSION_TTL_MS at most, batched — and is told of logouts by the others over pub/sub.
 */
export class Sessions {
  private readonly known = new Map<string, { version: number | null; at: number }>();
  private readonly reads: Batcher<string, number | null>;
  private unsubscribe: (() => Promise<void>) | undefined;

  constructor(private readonly deps: SessionsOptions) {
    this.reads = new Batcher((ids) => deps.users.sessionVersions(ids), {
      maxBatch: READ_BATCH,
      maxInFlight: READS_IN_FLIGHT,
    });
  }

  /** Listens for sessions other nodes end. */
  async start(): Promise<void> {
    this.unsubscribe = await this.deps.engine.subscribe(CHANNELS.sessions, (message) => {
      const [userId, text] = message.split(':');
      if (!userId) return;
      const version = text === 'gone' ? null : Number(text);
      // Two logouts' messages may trail a read that already saw the second: never step back.
      const known = this.known.get(userId)?.version;
      if (version !== null && known != null && known > version) return;
      this.remember(userId, version);
    });
  }

  async stop(): Promise<void> {
    await this.unsubscribe?.();
  }

  /**
   * Whether `version` is the user's session version now: at once when this node knows it, else once
   * PostgreSQL has said (a promise).
   */
  isCurrent(userId: string, version: number): boolean | Promise<boolean> {
    const entry = this.known.get(userId);
    if (entry && this.deps.clock.now() - entry.at < SESSION_VERSION_TTL_MS) return entry.version === version;
    return this.reads.call(userId).then((current) => {
      this.remember(userId, current);
      return current === version;
    });
  }

  /** Ends every session of the user, on every node. */
  async end(userId: string): Promise<void> {
    await this.moved(userId, await this.deps.users.endSessions(userId));
  }

  /** The user's session version has moved on in PostgreSQL (null: the user is gone): every node hears. */
  async moved(userId: string, version: number | null): Promise<void> {
    this.remember(userId, version);
    // PostgreSQL already refuses the old version to any node that reads it; the message spares the
    // others their wait. A lost one is bounded by the TTL.
    await this.deps.engine
      .publish(CHANNELS.sessions, `${userId}:${version ?? 'gone'}`)
      .catch((err: unknown) => this.deps.logger.warn({ err, userId }, 'could not announce ended sessions'));
  }

  /** A session this node just issued: its first requests need no read. */
  issued(userId: string, version: number): void {
    this.remember(userId, version);
  }

  private remember(userId: string, version: number | null): void {
    // Re-inserted, so the Map's order is the order of last reading: the first entries are the oldest.
    this.known.delete(userId);
    this.known.set(userId, { version, at: this.deps.clock.now() });
    if (this.known.size > MAX_KNOWN) this.known.delete(this.known.keys().next().value!);
  }
}
