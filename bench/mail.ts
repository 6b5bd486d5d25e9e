/**
 * bench/mail — 50,000 notices to the ticket holders of one performance, queued in one transaction and
 * delivered by one node's mail worker to a local SMTP sink (a separate process that accepts and drops).
 *
 *   npm run bench:mail                              # 50,000 holders, 16 SMTP connections
 *   npm run bench:mail -- --holders 5000 --concurrency 8
 *
 * Prints the time the queuing transaction took, messages per second delivered, and this process's
 * memory (RSS and heap) before the notice and at its peak while delivering. Needs DATABASE_URL (default
 * postgres://postgres@127.0.0.1:5432/postgres); works on a scratch database it drops at the end.
 */
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/platform/config.js';
import { systemClock } from '../src/platform/clock.js';
import { createPool, migrate } from '../src/platform/db.js';
import { freePort } from '../src/platform/net.js';
import { createEngine } from '../src/engine/index.js';
import { createScratchDatabase } from '../test/scratch-database.js';
import { BENCH_APP, sleep } from './common.js';

const { values } = parseArgs({
  options: {
    holders: { type: 'string', default: '50000' },
    concurrency: { type: 'string', default: '16' },
  },
});
const HOLDERS = Number(values.holders);
const serverUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const MiB = 1024 * 1024;

// The sink: smtp-server in its own process, so that its buffers are not counted as the app's memory.
const sinkPort = await freePort();
const sink = spawn(
  process.execPath,
  [
    '-e',
    `const { SMTPServer } = require('smtp-server');
     new SMTPServer({ authOptional: true, disabledCommands: ['STARTTLS'], logger: false,
       onData(stream, _s, cb) { stream.on('data', () => {}); stream.on('end', () => cb()); } })
       .listen(${sinkPort}, '127.0.0.1', () => console.log('ready'));`,
  ],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
await new Promise((resolve) => sink.stdout.once('data', resolve));

const scratch = await createScratchDatabase(serverUrl, `tmomi_bench_mail_${Date.now().toString(36)}`);
const logger = pino({ level: 'warn' });
try {
  await migrate(scratch.url, logger);
  const db = createPool(scratch.url);
  const engine = await createEngine({ redisUrl: undefined, keyPrefix: '' });
  const mail = {
    ...loadConfig({}).mail,
    smtpUrl: `smtp://127.0.0.1:${sinkPort}`,
    concurrency: Number(values.concurrency),
    ratePerSecond: 100_000,
    worker: false,
  };
  const built = await buildApp({
    db,
    engine,
    clock: systemClock,
    logger,
    secret: BENCH_APP.secret,
    settings: { ...BENCH_APP.settings, mail },
  });

  // A performance and its ticket holders, written set-based: the bench is about mail, not about buying.
  const admin = { email: 'bench@example.com', password: 'bench-password-long' };
  await built.auth.ensureAdmin(admin);
  const { accessToken } = await built.auth.login(admin);
  const headers = { authorization: `Bearer ${accessToken}` };
  const post = async (url: string, payload: object) =>
    (await built.app.inject({ method: 'POST', url, payload, headers })).json<{ id: string }>();
  const venue = await post('/api/admin/venues', {
    name: 'Bench Hall',
    sections: [{ name: 'A', grade: 'R', rows: 2, seatsPerRow: 10 }],
  });
  const event = await post('/api/admin/events', {
    title: 'Bench Show',
    category: 'bench',
    venueId: venue.id,
    prices: [{ grade: 'R', amount: 1000 }],
  });
  const now = Date.now();
  const perf = await post(`/api/admin/events/${event.id}/performances`, {
    startsAt: new Date(now + 86_400_000).toISOString(),
    salesOpenAt: new Date(now - 3_600_000).toISOString(),
    salesCloseAt: new Date(now + 3_600_000).toISOString(),
  });
  await db.query(
    `INSERT INTO users (email, name, password_hash, locale)
     SELECT 'holder-' || i || '@bench.test', 'Holder ' || i, 'x', CASE WHEN i % 2 = 0 THEN 'ko' ELSE 'en' END
     FROM generate_series(1, $1) AS i`,
    [HOLDERS],
  );
  await db.query(
    `INSERT INTO holds (id, user_id, performance_id, seat_nos, amount, currency, expires_at, state)
     SELECT gen_random_uuid(), id, $1, ARRAY[0], 1000, 'KRW', now(), 'ordered' FROM users WHERE email LIKE '%@bench.test'`,
    [perf.id],
  );
  await db.query(
    `INSERT INTO orders (user_id, performance_id, hold_id, idempotency_key, seat_nos, amount, currency, status)
     SELECT user_id, performance_id, id, 'bench', seat_nos, amount, currency, 'paid' FROM holds WHERE performance_id = $1`,
    [perf.id],
  );
  await db.query(
    `INSERT INTO issued_tickets (order_id, performance_id, seat_no, code, price)
     SELECT id, performance_id, id, 'bench-' || id, 1000 FROM orders WHERE performance_id = $1`,
    [perf.id],
  );
  // Signups made verification messages; this bench sends only the notice.
  await db.query(`DELETE FROM mail_messages`);

  global.gc?.();
  const before = process.memoryUsage();
  const queued = performance.now();
  const notice = await built.mail.service.send(
    perf.id,
    {
      subject: { en: 'Doors open at 18:00', ko: '18시에 입장을 시작합니다' },
      body: {
        en: 'Please come early; the queue at gate 3 is long.',
        ko: '3번 게이트는 붐비니 일찍 와 주세요.',
      },
    },
    null,
  );
  const queueMs = performance.now() - queued;
  console.log(
    `bench/mail: ${notice.recipients.toLocaleString()} notices queued in one transaction: ${queueMs.toFixed(0)} ms`,
  );

  let peak = { rss: before.rss, heapUsed: before.heapUsed };
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    peak = { rss: Math.max(peak.rss, m.rss), heapUsed: Math.max(peak.heapUsed, m.heapUsed) };
  }, 100);
  const started = performance.now();
  built.mail.worker.start();
  for (;;) {
    const progress = await built.mail.service.progress(notice.id);
    if (progress.pending === 0) {
      console.log(`  sent ${progress.sent.toLocaleString()}, failed ${progress.failed}`);
      break;
    }
    await sleep(500);
  }
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  console.log(
    `  delivered in ${seconds.toFixed(1)} s: ${(notice.recipients / seconds).toFixed(0)} messages/s (${mail.concurrency} SMTP connections)`,
  );
  console.log(
    `  memory before: RSS ${(before.rss / MiB).toFixed(0)} MiB, heap ${(before.heapUsed / MiB).toFixed(0)} MiB; ` +
      `peak: RSS ${(peak.rss / MiB).toFixed(0)} MiB (+${((peak.rss - before.rss) / MiB).toFixed(0)}), ` +
      `heap ${(peak.heapUsed / MiB).toFixed(0)} MiB (+${((peak.heapUsed - before.heapUsed) / MiB).toFixed(0)})`,
  );
  await built.app.close();
  await engine.close();
  await db.end();
} finally {
  await scratch.drop();
  sink.kill();
}
