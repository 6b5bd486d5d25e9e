/**
 * bench/booking-sql — PostgreSQL's side of a purchase alone: the booking repositories' three batched calls
 * (place the hold, create the order, settle it paid) on a scratch database, no HTTP, no engine.
 *
 *   npm run bench:booking-sql                          # 4,000 purchases first, then 12,000 measured
 *   npm run bench:booking-sql -- --concurrency 4       # smaller batches (one per call kind at a time)
 *   npm run bench:booking-sql -- --explain             # the plans: where each statement's time went
 *
 * `--concurrency` purchases run at once, each hold → order → settle in turn, so every call carries about
 * that many of them (bench/booking's purchases run 12–18 a call). Prints PostgreSQL's CPU per purchase
 * (from /proc, the backends of the scratch database), which is much steadier on a shared machine than
 * the full bench. With `--explain` the backends load auto_explain for their own sessions only (plans
 * of the statements inside the functions too, sent to this client, not to the server's log) and the
 * statements are listed by their total time; analyzing every statement costs time, so the CPU figure
 * of such a run is not comparable. Needs DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { CheckoutRepository } from '../src/booking/checkout/repository.js';
import { HoldRepository } from '../src/booking/holds/repository.js';
import { createPool, migrate } from '../src/platform/db.js';
import { createScratchDatabase } from '../test/scratch-database.js';
import { postgresBackendsCpu, postgresCpuBetween } from './common.js';

const { values } = parseArgs({
  options: {
    warm: { type: 'string', default: '4000' },
    purchases: { type: 'string', default: '12000' },
    concurrency: { type: 'string', default: '16' },
    explain: { type: 'boolean', default: false },
  },
});
const SEATS = 50_000;
const serverUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const EXPLAIN = [
  'session_preload_libraries=auto_explain',
  'auto_explain.log_min_duration=0',
  'auto_explain.log_nested_statements=on',
  'auto_explain.log_analyze=on',
  'client_min_messages=log',
  'log_min_messages=fatal',
].map((o) => `-c ${o}`);

const scratch = await createScratchDatabase(serverUrl, `tmomi_bench_sql_${Date.now().toString(36)}`);
try {
  await migrate(scratch.url, pino({ level: 'warn' }));
  const url = new URL(scratch.url);
  if (values.explain) url.searchParams.set('options', EXPLAIN.join(' '));
  const db = createPool(url.toString());
  /** Each statement's executor time (auto_explain's "duration"), by its text. */
  const plans = new Map<string, { calls: number; ms: number }>();
  db.on('connect', (client) =>
    client.on('notice', ({ message = '' }) => {
      const m = /^duration: ([\d.]+) ms\s+plan:\s*Query Text: ([^]*)/.exec(message);
      if (!m) return;
      const text = m[2]!.replace(/\s+/g, ' ').slice(0, 110);
      const seen = plans.get(text) ?? { calls: 0, ms: 0 };
      plans.set(text, { calls: seen.calls + 1, ms: seen.ms + Number(m[1]) });
    }),
  );

  const { rows } = await db.query<{ id: string }>(
    `WITH v AS (INSERT INTO venues (name, seat_count, layout) VALUES ('Bench', $1, '{}') RETURNING id),
     e AS (INSERT INTO events (venue_id, title, category) SELECT id, 'Bench', 'bench' FROM v RETURNING id)
     INSERT INTO performances (event_id, starts_at, sales_open_at, sales_close_at, hold_ttl_seconds,
       max_tickets_per_user, queue_enabled, prequeue_minutes, admit_per_second, max_active, pass_ttl_seconds,
       refund_until)
     SELECT id, now() + interval '2 hours', now() - interval '1 hour', now() + interval '1 hour', 300, 4,
       false, 0, 1, 1, 1, now() + interval '2 hours' FROM e
     RETURNING id::text`,
    [SEATS],
  );
  const perf = rows[0]!.id;
  await db.query(
    'INSERT INTO tickets (performance_id, seat_no) SELECT $1, g FROM generate_series(0, $2 - 1) g',
    [perf, SEATS],
  );
  const users = (
    await db.query<{ id: string }>(
      `INSERT INTO users (email, name, password_hash)
       SELECT 'sql-' || g || '@example.com', 'Buyer ' || g, '!' FROM generate_series(1, $1::int) g RETURNING id::text`,
      [SEATS],
    )
  ).rows.map((r) => r.id);
  // As the ticket generator leaves them; orders and holds stay unanalyzed, as during a sale.
  await db.query('VACUUM ANALYZE tickets');

  const holds = new HoldRepository({ db });
  const checkout = new CheckoutRepository({ db });
  let next = 0;
  const purchase = async () => {
    const k = next++;
    const now = new Date();
    const holdId = randomUUID();
    const placed = await holds.placeHold({
      id: holdId,
      userId: users[k]!,
      performanceId: perf,
      seatNos: [k],
      seatPrices: [99_000],
      amount: 99_000,
      currency: 'KRW',
      expiresAt: new Date(now.getTime() + 300_000),
      now,
      cap: 4,
      passId: null,
      requestKey: null,
    });
    if (placed.outcome !== 'held') throw new Error(`seat ${k}: ${placed.outcome}`);
    const created = await checkout.createOrder({
      holdId,
      userId: users[k]!,
      key: randomUUID(),
      now,
      claimUntil: new Date(now.getTime() + 10_000),
    });
    if (!created?.created) throw new Error(`seat ${k}: no order`);
    const settled = await checkout.settlePaid(created.order.id, new Date(), 'bench', `ref-${k}`, [
      randomBytes(19).toString('hex'),
    ]);
    if (settled.status !== 'paid') throw new Error(`seat ${k}: ${settled.status}`);
  };
  const purchases = async (count: number) => {
    const end = Math.min(next + count, SEATS);
    await Promise.all(
      Array.from({ length: Number(values.concurrency) }, async () => {
        while (next < end) await purchase();
      }),
    );
  };
  await purchases(Number(values.warm));
  plans.clear();
  const before = await postgresBackendsCpu(db, { own: true });
  const started = performance.now();
  const first = next;
  await purchases(Number(values.purchases));
  const seconds = (performance.now() - started) / 1000;
  const done = next - first;
  const pg = postgresCpuBetween(before, await postgresBackendsCpu(db, { own: true })) / 1000;
  console.log(
    `bench/booking-sql: ${done.toLocaleString()} purchases (after ${first.toLocaleString()}), ${values.concurrency} at once: ` +
      `${Math.round(done / seconds).toLocaleString()}/s, PostgreSQL ${Math.round((pg / done) * 1e6)} µs of CPU a purchase`,
  );
  for (const [text, { calls, ms }] of [...plans].sort((a, b) => b[1].ms - a[1].ms).slice(0, 25)) {
    console.log(`${ms.toFixed(1).padStart(9)} ms ${String(calls).padStart(6)} calls  ${text}`);
  }
  await db.end();
} finally {
  await scratch.drop();
}
