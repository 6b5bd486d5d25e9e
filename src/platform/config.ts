import { Type, type Static } from 'typebox';
import { Value } from 'typebox/value';
import { MIN_PASSWORD_LENGTH } from '../contract/passwords.js';
import { checkSmtpUrl, ConfigError, parseTrustProxy, type TrustProxy } from './config-values.js';

/**
 * Every environment variable Tmomi reads, parsed once at boot. Nothing else in the code reads
 * `process.env` (lint forbids it): a wrong value stops the boot with a message naming the variable,
 * instead of surfacing as a confusing failure an hour into a sale.
 */
const EnvSchema = Type.Object({
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3000 }),
  HOST: Type.String({ minLength: 1, default: '0.0.0.0' }),
  DATABASE_URL: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })),
  TMOMI_MIGRATION_DATABASE_URL: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })),
  DATABASE_READ_URL: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })),
  // redis+cluster://host:port[,host:port…] names a Redis Cluster (src/engine/redis-target.ts).
  REDIS_URL: Type.Optional(Type.String({ pattern: '^rediss?(\\+cluster)?://' })),
  TMOMI_REDIS_JOIN_WAIT_MS: Type.Integer({ minimum: 0, maximum: 5_000, default: 0 }),
  TMOMI_REDIS_PREFIX: Type.String({ maxLength: 100, pattern: '^[\\w:.-]*$', default: '' }),
  TMOMI_DATA_DIR: Type.String({ minLength: 1, default: './.tmomi' }),
  TMOMI_SECRET: Type.Optional(Type.String({ minLength: 32 })),
  TMOMI_ADMIN_EMAIL: Type.Optional(Type.String({ format: 'email' })),
  TMOMI_ADMIN_PASSWORD: Type.Optional(Type.String({ minLength: MIN_PASSWORD_LENGTH, maxLength: 200 })),
  TMOMI_AUTH_RATE_LIMIT: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 20 }),
  TMOMI_TRUST_PROXY: Type.String({ default: 'false' }),
  TMOMI_ACCESS_TOKEN_TTL_SECONDS: Type.Integer({ minimum: 60, maximum: 30 * 86400, default: 86400 }),
  TMOMI_BODY_LIMIT_BYTES: Type.Integer({ minimum: 1024, maximum: 64 * 1024 * 1024, default: 1024 * 1024 }),
  TMOMI_CORS_ORIGINS: Type.String({ default: '' }),
  TMOMI_PAYMENT_LATENCY_MS: Type.Integer({ minimum: 0, maximum: 60_000, default: 150 }),
  TMOMI_PAYMENT_TIMEOUT_MS: Type.Integer({ minimum: 100, maximum: 120_000, default: 10_000 }),
  // Sent in a header: printable ASCII without spaces, and long enough not to be guessed.
  TMOMI_METRICS_TOKEN: Type.Optional(Type.String({ minLength: 16, maxLength: 200, pattern: '^[!-~]+$' })),
  TMOMI_METRICS_PORT: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535 })),
  TMOMI_METRICS_HOST: Type.String({ minLength: 1, default: '127.0.0.1' }),
  TMOMI_DOCS: Type.Boolean({ default: false }),
  TMOMI_SMTP_URL: Type.Optional(Type.String({ pattern: '^smtps?://[^\\s]+$' })),
  TMOMI_MAIL_FROM: Type.String({ minLength: 3, maxLength: 200, default: 'Tmomi <no-reply@tmomi.local>' }),
  TMOMI_MAIL_RATE_PER_SECOND: Type.Integer({ minimum: 1, maximum: 100_000, default: 50 }),
  TMOMI_MAIL_CONCURRENCY: Type.Integer({ minimum: 1, maximum: 100, default: 4 }),
  // Hashes a buyer's browser tries, on average about ¾ of it, to join a queue (docs/decisions/030).
  TMOMI_CHALLENGE_DIFFICULTY: Type.Integer({ minimum: 0, maximum: 5_000_000, default: 50_000 }),
  TMOMI_CHALLENGE_TTL_SECONDS: Type.Integer({ minimum: 1, maximum: 3600, default: 120 }),
  // The waiting room's record in PostgreSQL (decision 038); off only to measure what it costs (bench).
  TMOMI_QUEUE_RECORD: Type.Union([Type.Literal('on'), Type.Literal('off')], { default: 'on' }),
  TMOMI_PUBLIC_URL: Type.Optional(Type.String({ pattern: '^https?://[^\\s]+$' })),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
    { default: 'info' },
  ),
});
type Env = Static<typeof EnvSchema>;

export type LogLevel = Env['LOG_LEVEL'];

export interface Config {
  port: number;
  host: string;
  /** Unset: Tmomi starts its own PostgreSQL under `dataDir` (the embedded mode). */
  databaseUrl: string | undefined;
  /** PostgreSQL itself, not a transaction pooler: migrations hold a session's advisory lock (decision 036). */
  migrationDatabaseUrl: string | undefined;
  /** A replica for the catalog's public reads (event pages, search, seat layout); unset: the primary. */
  databaseReadUrl: string | undefined;
  /** Unset: the in-process memory engine (single node only). */
  redisUrl: string | undefined;
  /** Prepended to every Redis key and channel, so several installations can share one Redis. */
  redisPrefix: string;
  /** > 0: joins are answered once a replica has them, waiting at most this long (docs/decisions/037). */
  redisJoinWaitMs: number;
  dataDir: string;
  /** Unset in the embedded mode: generated once and kept in `dataDir`. Required when scaled. */
  secret: string | undefined;
  admin: { email: string; password: string } | undefined;
  authRateLimitPerMinute: number;
  /** Whose X-Forwarded-For to believe: nobody, or the proxies at these addresses and networks. */
  trustProxy: TrustProxy;
  accessTokenTtlSeconds: number;
  bodyLimitBytes: number;
  corsOrigins: string[];
  /** How long the built-in payment simulator takes to answer. */
  paymentLatencyMs: number;
  /** How long a charge may take before it is given up as timed out (and any late charge refunded). */
  paymentTimeoutMs: number;
  metrics: MetricsConfig;
  /** Whether the Swagger UI is served at /docs. */
  docs: boolean;
  mail: MailConfig;
  challenge: ChallengeConfig;
  /** Whether the waiting room is recorded in PostgreSQL (decision 038): off only for the bench's comparison. */
  queueRecord: boolean;
  logLevel: LogLevel;
}

/** The proof of work at the queue's door (src/queue/challenge.ts, docs/decisions/030). */
export interface ChallengeConfig {
  /** A new performance's `queue.challengeDifficulty` when its creator names none; 0 turns it off. */
  difficulty: number;
  /** How long a challenge may be solved and spent for. */
  ttlSeconds: number;
}

/** How buyers' mail leaves (docs/decisions/021-mail-delivery.md). */
export interface MailConfig {
  /** `smtp://` or `smtps://`, with user and password when the server wants them. Unset: mail is kept, not sent. */
  smtpUrl: string | undefined;
  from: string;
  /** Broadcast messages a second, across every node (transactional mail does not wait for it). */
  ratePerSecond: number;
  /** SMTP sends one node runs at once: mail never takes more than that share of the pool. */
  concurrency: number;
  /** Where links in mail point (the web app), e.g. https://tickets.example.com. */
  publicUrl: string;
  /** Whether this node runs the delivery worker; tests turn it on only where they watch the mail. */
  worker: boolean;
  /** Backoff between attempts: base·2^(attempt-1), capped; dead after `maxAttempts`. */
  retry: { baseMs: number; maxMs: number; maxAttempts: number };
  /** How long an "it's your turn" notice waits for the buyer to see the pass in the app (tests shorten it). */
  turnDelayMs?: number;
}

/**
 * Where /metrics is served (docs/decisions/017-metrics-and-docs-off-the-public-port.md): on a port of
 * its own when `port` is set (only there), else on the API port when `token` is set, else nowhere.
 * With a token, every scrape must send `Authorization: Bearer <token>`, on either port.
 */
export interface MetricsConfig {
  token: string | undefined;
  port: number | undefined;
  /** The address the metrics port listens on: loopback unless a token guards it. */
  host: string;
}

export type { TrustProxy } from './config-values.js';
export { ConfigError } from './config-values.js';

const BOOLEAN_WORDS: Record<string, boolean> = {
  true: true,
  '1': true,
  yes: true,
  false: false,
  '0': false,
  no: false,
};

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const raw: Record<string, unknown> = {};
  for (const key of Object.keys(EnvSchema.properties)) {
    const value = env[key];
    // An empty variable means "not set": `FOO= npm start` should behave like no FOO at all.
    if (value === undefined || value === '') continue;
    if ((EnvSchema.properties[key as keyof Env] as { type?: string }).type === 'boolean') {
      const word = BOOLEAN_WORDS[value.toLowerCase()];
      if (word === undefined) throw new ConfigError(`${key} must be true or false, got "${value}"`);
      raw[key] = word;
    } else {
      raw[key] = value;
    }
  }
  const withDefaults = Value.Convert(EnvSchema, Value.Default(EnvSchema, raw));
  const firstError = Value.Errors(EnvSchema, withDefaults)[0];
  if (firstError) {
    const variable = firstError.instancePath.replace(/^\//, '');
    // A mail server's URL carries its password: never repeat that part.
    const got = String(env[variable]).replace(/\/\/[^@/]*@/, '//***@');
    throw new ConfigError(`${variable}: ${firstError.message} (got "${got}")`);
  }
  const parsed = withDefaults as Env;

  if ((parsed.TMOMI_ADMIN_EMAIL === undefined) !== (parsed.TMOMI_ADMIN_PASSWORD === undefined)) {
    throw new ConfigError('TMOMI_ADMIN_EMAIL and TMOMI_ADMIN_PASSWORD must be set together');
  }
  const scaled = parsed.DATABASE_URL !== undefined || parsed.REDIS_URL !== undefined;
  if (scaled && parsed.TMOMI_SECRET === undefined) {
    // Every node must sign and verify with the same key, so it cannot be generated per node.
    throw new ConfigError('TMOMI_SECRET is required when DATABASE_URL or REDIS_URL is set (32+ characters)');
  }
  for (const name of ['TMOMI_MIGRATION_DATABASE_URL', 'DATABASE_READ_URL'] as const)
    if (parsed[name] !== undefined && parsed.DATABASE_URL === undefined)
      throw new ConfigError(`${name} applies only with DATABASE_URL, which is not set`);
  const metrics = metricsConfig(parsed, env);
  if (parsed.TMOMI_SMTP_URL !== undefined) checkSmtpUrl(parsed.TMOMI_SMTP_URL);

  return {
    port: parsed.PORT,
    host: parsed.HOST,
    databaseUrl: parsed.DATABASE_URL,
    migrationDatabaseUrl: parsed.TMOMI_MIGRATION_DATABASE_URL,
    databaseReadUrl: parsed.DATABASE_READ_URL,
    redisUrl: parsed.REDIS_URL,
    redisPrefix: parsed.TMOMI_REDIS_PREFIX,
    redisJoinWaitMs: parsed.TMOMI_REDIS_JOIN_WAIT_MS,
    dataDir: parsed.TMOMI_DATA_DIR,
    secret: parsed.TMOMI_SECRET,
    admin:
      parsed.TMOMI_ADMIN_EMAIL !== undefined && parsed.TMOMI_ADMIN_PASSWORD !== undefined
        ? { email: parsed.TMOMI_ADMIN_EMAIL.toLowerCase(), password: parsed.TMOMI_ADMIN_PASSWORD }
        : undefined,
    authRateLimitPerMinute: parsed.TMOMI_AUTH_RATE_LIMIT,
    trustProxy: parseTrustProxy(parsed.TMOMI_TRUST_PROXY),
    accessTokenTtlSeconds: parsed.TMOMI_ACCESS_TOKEN_TTL_SECONDS,
    bodyLimitBytes: parsed.TMOMI_BODY_LIMIT_BYTES,
    corsOrigins: parsed.TMOMI_CORS_ORIGINS.split(',')
      .map((o) => o.trim())
      .filter((o) => o !== ''),
    paymentLatencyMs: parsed.TMOMI_PAYMENT_LATENCY_MS,
    paymentTimeoutMs: parsed.TMOMI_PAYMENT_TIMEOUT_MS,
    metrics,
    docs: parsed.TMOMI_DOCS,
    mail: {
      smtpUrl: parsed.TMOMI_SMTP_URL,
      from: parsed.TMOMI_MAIL_FROM,
      ratePerSecond: parsed.TMOMI_MAIL_RATE_PER_SECOND,
      concurrency: parsed.TMOMI_MAIL_CONCURRENCY,
      publicUrl: (parsed.TMOMI_PUBLIC_URL ?? `http://localhost:${parsed.PORT}`).replace(/\/+$/, ''),
      worker: true,
      retry: DEFAULT_MAIL_RETRY,
    },
    challenge: {
      difficulty: parsed.TMOMI_CHALLENGE_DIFFICULTY,
      ttlSeconds: parsed.TMOMI_CHALLENGE_TTL_SECONDS,
    },
    queueRecord: parsed.TMOMI_QUEUE_RECORD === 'on',
    logLevel: parsed.LOG_LEVEL,
  };
}

/** About an hour and a half of tries: a short outage of the mail server costs a delay, not a message. */
export const DEFAULT_MAIL_RETRY = { baseMs: 5_000, maxMs: 15 * 60_000, maxAttempts: 10 };

const LOOPBACK = /^(?:localhost|127(?:\.\d{1,3}){3}|::1)$/;

/**
 * The metrics port never shares the API's, and is reachable from elsewhere only with a token: the
 * series carry revenue and order counts, which anyone who can reach the port could otherwise read.
 */
function metricsConfig(parsed: Env, env: Record<string, string | undefined>): MetricsConfig {
  const { TMOMI_METRICS_TOKEN: token, TMOMI_METRICS_PORT: port, TMOMI_METRICS_HOST: host } = parsed;
  if (port === undefined && env.TMOMI_METRICS_HOST)
    throw new ConfigError('TMOMI_METRICS_HOST applies only to TMOMI_METRICS_PORT, which is not set');
  if (port !== undefined && port === parsed.PORT)
    throw new ConfigError(`TMOMI_METRICS_PORT must differ from PORT (both ${port})`);
  if (port !== undefined && !LOOPBACK.test(host) && token === undefined)
    throw new ConfigError(
      `TMOMI_METRICS_HOST=${host} would show revenue and order counts to anyone who can reach it; ` +
        'set TMOMI_METRICS_TOKEN too (Prometheus sends it as a bearer token), or keep the port on loopback',
    );
  return { token, port, host };
}

/**
 * The environment of a Tmomi process this one starts (`tmomi cluster`'s nodes): this process's own, so
 * the child parses the same configuration, with a few variables changed.
 */
export function childEnvironment(changes: Record<string, string>): NodeJS.ProcessEnv {
  return { ...process.env, ...changes };
}
