import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

const SCALED = { DATABASE_URL: 'postgres://u@pgbouncer:6432/tmomi', TMOMI_SECRET: 's'.repeat(32) };

describe('configuration', () => {
  it('when nothing is set, then the embedded defaults apply', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 3000,
      databaseUrl: undefined,
      redisUrl: undefined,
      dataDir: './.tmomi',
      authRateLimitPerMinute: 20,
      trustProxy: false,
      logLevel: 'info',
      // Secure by default: no /metrics anywhere, no Swagger UI.
      metrics: { token: undefined, port: undefined, host: '127.0.0.1' },
      docs: false,
      queueRecord: true,
    });
    // Off only for the bench's comparison with and without the waiting room's record (decision 038).
    expect(loadConfig({ TMOMI_QUEUE_RECORD: 'off' }).queueRecord).toBe(false);
    expect(() => loadConfig({ TMOMI_QUEUE_RECORD: 'no' })).toThrow(ConfigError);
  });

  it('when PostgreSQL is behind a pooler, then migrations and catalog reads may have URLs of their own', () => {
    const config = loadConfig({
      ...SCALED,
      TMOMI_MIGRATION_DATABASE_URL: 'postgres://u@db:5432/tmomi',
      DATABASE_READ_URL: 'postgres://u@replica:5432/tmomi',
    });
    expect(config).toMatchObject({
      databaseUrl: SCALED.DATABASE_URL,
      migrationDatabaseUrl: 'postgres://u@db:5432/tmomi',
      databaseReadUrl: 'postgres://u@replica:5432/tmomi',
    });
    expect(loadConfig(SCALED)).toMatchObject({ migrationDatabaseUrl: undefined, databaseReadUrl: undefined });
  });

  it('when values are given, then they are parsed into their types', () => {
    const config = loadConfig({
      PORT: '8080',
      DATABASE_URL: 'postgres://u@db/tmomi',
      REDIS_URL: 'redis://cache:6379',
      TMOMI_SECRET: 's'.repeat(32),
      TMOMI_TRUST_PROXY: 'loopback',
      TMOMI_AUTH_RATE_LIMIT: '100',
      TMOMI_ADMIN_EMAIL: 'Boss@Example.com',
      TMOMI_ADMIN_PASSWORD: 'long-enough-now',
      TMOMI_CORS_ORIGINS: 'https://a.example, https://b.example',
    });
    expect(config).toMatchObject({
      port: 8080,
      trustProxy: ['loopback'],
      authRateLimitPerMinute: 100,
      admin: { email: 'boss@example.com', password: 'long-enough-now' },
      corsOrigins: ['https://a.example', 'https://b.example'],
    });
  });

  it('when metrics and docs are configured, then the port, address, token and switch are parsed', () => {
    expect(loadConfig({ TMOMI_METRICS_PORT: '9464', TMOMI_DOCS: 'true' })).toMatchObject({
      metrics: { token: undefined, port: 9464, host: '127.0.0.1' },
      docs: true,
    });
    const token = 'a-metrics-token-of-some-length';
    expect(
      loadConfig({ TMOMI_METRICS_PORT: '9464', TMOMI_METRICS_HOST: '0.0.0.0', TMOMI_METRICS_TOKEN: token })
        .metrics,
    ).toEqual({ token, port: 9464, host: '0.0.0.0' });
    expect(loadConfig({ TMOMI_METRICS_TOKEN: token }).metrics).toEqual({
      token,
      port: undefined,
      host: '127.0.0.1',
    });
    expect(loadConfig({ TMOMI_METRICS_PORT: '9464', TMOMI_METRICS_HOST: '::1' }).metrics.host).toBe('::1');
  });

  it('when proxies are named, then by address, network or named range, never as "everyone"', () => {
    expect(loadConfig({ TMOMI_TRUST_PROXY: 'false' }).trustProxy).toBe(false);
    expect(loadConfig({ TMOMI_TRUST_PROXY: 'uniquelocal' }).trustProxy).toEqual(['uniquelocal']);
    expect(loadConfig({ TMOMI_TRUST_PROXY: '10.0.0.0/8, 127.0.0.1,::1' }).trustProxy).toEqual([
      '10.0.0.0/8',
      '127.0.0.1',
      '::1',
    ]);
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ DATABASE_URL: 'mysql://x', TMOMI_SECRET: 's'.repeat(32) }, 'DATABASE_URL'],
    [{ REDIS_URL: 'localhost:6379', TMOMI_SECRET: 's'.repeat(32) }, 'REDIS_URL'],
    [{ REDIS_URL: 'redis-cluster://h1:7000', TMOMI_SECRET: 's'.repeat(32) }, 'REDIS_URL'],
    [{ TMOMI_REDIS_JOIN_WAIT_MS: '-1' }, 'TMOMI_REDIS_JOIN_WAIT_MS'],
    [{ TMOMI_TRUST_PROXY: 'maybe' }, 'TMOMI_TRUST_PROXY'],
    [{ TMOMI_TRUST_PROXY: 'true' }, 'would trust every hop'],
    [{ TMOMI_TRUST_PROXY: '10.0.0.0/33' }, 'TMOMI_TRUST_PROXY'],
    [{ TMOMI_TRUST_PROXY: '1' }, 'TMOMI_TRUST_PROXY'],
    [{ TMOMI_AUTH_RATE_LIMIT: '0' }, 'TMOMI_AUTH_RATE_LIMIT'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ TMOMI_ADMIN_EMAIL: 'a@example.com' }, 'TMOMI_ADMIN_PASSWORD'],
    [{ TMOMI_ADMIN_EMAIL: 'nope', TMOMI_ADMIN_PASSWORD: 'long-enough-now' }, 'TMOMI_ADMIN_EMAIL'],
    [{ DATABASE_URL: 'postgres://u@db/tmomi' }, 'TMOMI_SECRET'],
    [{ REDIS_URL: 'redis://cache', TMOMI_SECRET: 'short' }, 'TMOMI_SECRET'],
    [{ TMOMI_METRICS_TOKEN: 'short' }, 'TMOMI_METRICS_TOKEN'],
    [{ TMOMI_METRICS_TOKEN: 'has a space in the middle' }, 'TMOMI_METRICS_TOKEN'],
    [{ TMOMI_METRICS_PORT: '3000' }, 'TMOMI_METRICS_PORT must differ from PORT'],
    [{ TMOMI_METRICS_PORT: 'ninety' }, 'TMOMI_METRICS_PORT'],
    [{ TMOMI_METRICS_HOST: '0.0.0.0' }, 'TMOMI_METRICS_HOST applies only'],
    [{ TMOMI_METRICS_PORT: '9464', TMOMI_METRICS_HOST: '0.0.0.0' }, 'set TMOMI_METRICS_TOKEN'],
    [{ TMOMI_DOCS: 'maybe' }, 'TMOMI_DOCS'],
    [{ TMOMI_SMTP_URL: 'http://mail.example.com' }, 'TMOMI_SMTP_URL'],
    [{ TMOMI_SMTP_URL: 'smtp://user:pw@' }, 'TMOMI_SMTP_URL'],
    [{ TMOMI_SMTP_URL: 'smtp://mail.example.com:99999' }, 'TMOMI_SMTP_URL'],
    [{ TMOMI_MAIL_RATE_PER_SECOND: '0' }, 'TMOMI_MAIL_RATE_PER_SECOND'],
    [
      { TMOMI_MIGRATION_DATABASE_URL: 'postgres://u@db:5432/tmomi' },
      'TMOMI_MIGRATION_DATABASE_URL applies only',
    ],
    [{ DATABASE_READ_URL: 'postgres://u@replica/tmomi' }, 'DATABASE_READ_URL applies only'],
    [{ ...SCALED, DATABASE_READ_URL: 'mysql://u@replica/tmomi' }, 'DATABASE_READ_URL'],
  ])('when %o, then the boot stops with a message naming %s', (env, variable) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(variable);
  });

  it('when REDIS_URL names a Redis Cluster, then it is taken, with the wait for a replica on joins', () => {
    const config = loadConfig({
      REDIS_URL: 'rediss+cluster://u:p@h1:7000,h2:7001',
      TMOMI_REDIS_JOIN_WAIT_MS: '100',
      TMOMI_SECRET: 's'.repeat(32),
    });
    expect(config).toMatchObject({ redisUrl: 'rediss+cluster://u:p@h1:7000,h2:7001', redisJoinWaitMs: 100 });
    expect(loadConfig({}).redisJoinWaitMs).toBe(0);
  });

  it('when the mail server URL is refused, then its password is not in the message', () => {
    expect(() => loadConfig({ TMOMI_SMTP_URL: 'http://me:hunter2-secret@mail.example.com' })).toThrow(
      /^(?!.*hunter2).*TMOMI_SMTP_URL/,
    );
  });

  it('when mail is configured, then it is parsed; unset, mail is kept, not sent', () => {
    expect(
      loadConfig({ TMOMI_SMTP_URL: 'smtps://u:p@smtp.example.com:465', TMOMI_MAIL_RATE_PER_SECOND: '20' })
        .mail,
    ).toMatchObject({ smtpUrl: 'smtps://u:p@smtp.example.com:465', ratePerSecond: 20 });
    expect(loadConfig({}).mail).toMatchObject({ smtpUrl: undefined, publicUrl: 'http://localhost:3000' });
  });
});
