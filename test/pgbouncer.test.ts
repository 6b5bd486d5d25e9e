import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { modes, onSalePerformance, startTestApp, TEST_SECRET, type TestApp } from './harness.js';
import { bulkBuyers } from '../src/loadtest/buyers.js';
import { hasPgbouncer, PGBOUNCER_MISSING, startPgbouncer, type Pgbouncer } from './pgbouncer.js';
import { bookingViolations } from '../src/loadtest/invariants.js';
import { TEST_CARDS } from '../src/booking/payments.js';
import { checkPooling, poolingOf } from '../src/platform/pooling.js';
import { ConfigError } from '../src/platform/config.js';
import { freePort } from '../src/platform/net.js';

/**
 * Tmomi through a PgBouncer of this file's own in transaction mode (decision 036), with three server
 * sessions for two nodes' pools: a sale's holds, checkouts and refunds from many connections at once,
 * then the booking invariants in PostgreSQL; and the boot's checks of how PostgreSQL is reached.
 * (The booking and refund suites also run whole through a PgBouncer: modes({ pgbouncer: true }).)
 */
if (!hasPgbouncer) console.log(`[pgbouncer] skipped: ${PGBOUNCER_MISSING}`);

const SERVER_SESSIONS = 3;
const SEATS = 6;
const BUYERS = 60;

describe.skipIf(!hasPgbouncer).each(modes())('Tmomi behind PgBouncer in transaction mode ($name)', (mode) => {
  let bouncer: Pgbouncer;
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    bouncer = await startPgbouncer(mode.databaseUrl, { poolSize: SERVER_SESSIONS });
    a = await startTestApp({ ...mode, databaseUrl: bouncer.url });
    b = await startTestApp({ ...mode, databaseUrl: bouncer.url }, { sharedEngine: a.engine });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
    await bouncer?.stop();
  });

  it(`when ${BUYERS} buyers on two nodes race for the same ${SEATS} seats, then each seat is held and sold once, a refund goes through, and the invariants hold`, async () => {
    const { performanceId } = await onSalePerformance(a, { queue: { enabled: false } });
    // Made in one insert with signed tokens: sixty password hashes would take most of the time.
    const buyers = await bulkBuyers(a.db, BUYERS, TEST_SECRET);
    const started = performance.now();
    // Overlapping pairs of the same six seats: at most three buyers can win.
    const holds = await Promise.all(
      buyers.map((who, i) =>
        (i % 2 ? b : a).app.inject({
          method: 'POST',
          url: `/api/performances/${performanceId}/holds`,
          headers: who.headers,
          payload: { seatNos: [i % SEATS, (i + 1) % SEATS] },
        }),
      ),
    );
    const won = holds.flatMap((res, i) => (res.statusCode === 201 ? [{ i, holdId: res.json().holdId }] : []));
    expect(holds.every((res) => res.statusCode === 201 || res.statusCode === 409)).toBe(true);
    expect(won.length).toBeGreaterThan(0);
    expect(won.length).toBeLessThanOrEqual(SEATS / 2);

    const orders = await Promise.all(
      won.map(({ i, holdId }) =>
        (i % 2 ? a : b).app.inject({
          method: 'POST',
          url: `/api/holds/${holdId}/checkout`,
          headers: { ...buyers[i]!.headers, 'idempotency-key': `pay-${holdId}` },
          payload: { payment: { card: TEST_CARDS.succeeds } },
        }),
      ),
    );
    expect(orders.map((res) => res.statusCode)).toEqual(won.map(() => 201));
    const refunded = await a.app.inject({
      method: 'POST',
      url: `/api/orders/${orders[0]!.json().id}/cancel`,
      headers: buyers[won[0]!.i]!.headers,
    });
    expect(refunded.json()).toMatchObject({ status: 'refunded', refunds: [{ state: 'succeeded' }] });
    const ms = performance.now() - started;

    expect(await bookingViolations(a.db, performanceId)).toEqual([]);
    const { rows } = await a.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM orders WHERE performance_id = $1 AND status = 'paid'`,
      [performanceId],
    );
    expect(rows[0]!.n).toBe(won.length - 1);
    // Many clients, never more than the pool's server sessions: they were shared, transaction by transaction.
    const database = new URL(mode.databaseUrl).pathname.slice(1);
    const pool = (await bouncer.admin('SHOW POOLS')).find((p) => p.database === database)!;
    const servers = ['sv_active', 'sv_idle', 'sv_used', 'sv_tested', 'sv_login'].reduce(
      (sum, column) => sum + Number(pool[column]),
      0,
    );
    const clients = Number(pool.cl_active) + Number(pool.cl_waiting);
    expect(servers).toBeLessThanOrEqual(SERVER_SESSIONS);
    expect(clients).toBeGreaterThan(SERVER_SESSIONS);
    console.log(
      `[pgbouncer] ${mode.name}: ${BUYERS} holds on two nodes, ${won.length} won and paid, 1 refunded, in ` +
        `${ms.toFixed(0)} ms; ${clients} client connections on ${servers} server sessions; invariants hold`,
    );
  });

  it('when a node boots through it, then migrations must have a direct URL, and session mode is told apart', async () => {
    const logged: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => logged.push(line) });
    expect(await poolingOf(mode.databaseUrl)).toBe('direct');
    const urls = { databaseUrl: bouncer.url, migrationDatabaseUrl: undefined };
    await expect(checkPooling(urls, logger)).rejects.toThrow(ConfigError);
    await expect(checkPooling(urls, logger)).rejects.toThrow(/TMOMI_MIGRATION_DATABASE_URL/);
    await expect(checkPooling({ ...urls, migrationDatabaseUrl: bouncer.url }, logger)).rejects.toThrow(
      /TMOMI_MIGRATION_DATABASE_URL goes through a transaction pooler/,
    );
    expect(await checkPooling({ ...urls, migrationDatabaseUrl: mode.databaseUrl }, logger)).toBe(
      'transaction-pooler',
    );

    const session = await startPgbouncer(mode.databaseUrl, { poolMode: 'session' });
    try {
      const pinned = { databaseUrl: session.url, migrationDatabaseUrl: undefined };
      expect(await checkPooling(pinned, logger)).toBe('pinned-proxy');
      expect(logged.join('')).toContain('PgBouncer in session mode');
    } finally {
      await session.stop();
    }
  });
});

describe.skipIf(!hasPgbouncer)('tmomi behind PgBouncer, misconfigured', () => {
  const [embedded] = modes();
  let bouncer: Pgbouncer;
  beforeAll(async () => {
    bouncer = await startPgbouncer(embedded!.databaseUrl);
  });
  afterAll(() => bouncer?.stop());

  const migrate = (env: Record<string, string>) =>
    new Promise<{ code: number | null; output: string }>((resolve) => {
      let output = '';
      const proc = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'migrate'], {
        env: { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: 'warn', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      proc.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      proc.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      proc.on('exit', (code) => resolve({ code, output }));
    });
  const secret = { TMOMI_SECRET: 'x'.repeat(40) };

  it('when DATABASE_URL is the pooler and no migration URL is given, then the boot stops saying what to set; with one it migrates', async () => {
    const refused = await migrate({ ...secret, DATABASE_URL: bouncer.url });
    expect(refused.code).toBe(78);
    expect(refused.output).toContain('set TMOMI_MIGRATION_DATABASE_URL to PostgreSQL itself');
    const direct = embedded!.databaseUrl;
    const ok = await migrate({ ...secret, DATABASE_URL: bouncer.url, TMOMI_MIGRATION_DATABASE_URL: direct });
    expect(ok).toMatchObject({ code: 0 });
  });

  it('when DATABASE_READ_URL does not answer, then the boot stops naming it', async () => {
    const nowhere = `postgres://postgres@127.0.0.1:${await freePort()}/tmomi`;
    const env = { ...secret, DATABASE_URL: embedded!.databaseUrl, DATABASE_READ_URL: nowhere };
    const refused = await migrate(env);
    expect(refused.code).toBe(78);
    expect(refused.output).toContain('DATABASE_READ_URL does not reach');
  });

  it('when an organizer writes, then nothing is left on the shared sessions', async () => {
    // A session-level SET or lock taken by the app would show up as non-default state on a server
    // session PgBouncer hands to the next client: after a run, every session is as PgBouncer made it.
    const t = await startTestApp({ ...embedded!, databaseUrl: bouncer.url });
    try {
      await onSalePerformance(t, { queue: { enabled: false } });
      // Locks of sessions between transactions are session locks, left behind (other files' holds
      // take transaction-level ones, which end with their transaction).
      const { rows } = await t.db.query<{ locks: number }>(
        `SELECT count(*)::int AS locks FROM pg_locks l JOIN pg_stat_activity a USING (pid)
         WHERE l.locktype = 'advisory' AND a.state = 'idle'`,
      );
      expect(rows[0]!.locks).toBe(0);
    } finally {
      await t.close();
    }
  });
});
