import type { Config } from '../platform/config.js';
import { createPool } from '../platform/db.js';
import { bulkBuyers } from './buyers.js';
import { HttpClient } from './http.js';
import { bookingViolations, ticketCounts } from './invariants.js';
import { admissionViolations, reasons, type Percentiles } from './report.js';
import type { SaleProgress } from './run.js';
import { runSale } from './sale.js';
import { createSale, login } from './setup.js';

export interface LoadtestOptions {
  base: string;
  buyers: number;
  /** Seats of the venue created for the sale; ignored with `performanceId`. */
  seats: number;
  performanceId: string | undefined;
  grade: string;
  maxQuantity: number;
  streams: number;
  seconds: number;
  admitPerSecond: number;
  maxActive: number;
}

/**
 * `tmomi loadtest`: a flash sale against a running Tmomi (one node or a balancer). It needs the
 * database and secret the nodes use — buyers are created straight in PostgreSQL with signed tokens
 * (signing up thousands through the password hash would measure nothing), and the booking invariants
 * are checked there at the end — and the admin credentials to set up a sale unless one is given.
 * Returns false when an invariant is broken.
 */
export async function loadtestCommand(opts: LoadtestOptions, config: Config): Promise<boolean> {
  if (!config.databaseUrl || !config.secret) {
    throw new Error('tmomi loadtest needs DATABASE_URL and TMOMI_SECRET: the ones the nodes under test use');
  }
  const client = new HttpClient(256);
  const purchases = new HttpClient(256);
  const db = createPool(config.databaseUrl, { max: 4 });
  const out = (line: string) => process.stdout.write(`${line}\n`);
  try {
    let performanceId = opts.performanceId;
    if (!performanceId) {
      if (!config.admin) throw new Error('creating a sale needs TMOMI_ADMIN_EMAIL and TMOMI_ADMIN_PASSWORD');
      const admin = await login(client, opts.base, config.admin);
      const seatsPerRow = Math.min(opts.seats, 50);
      const rows = Math.ceil(opts.seats / seatsPerRow);
      const sale = await createSale(client, opts.base, admin, {
        title: `Load test ${new Date().toISOString()}`,
        sections: [{ name: 'Floor', grade: opts.grade, rows, seatsPerRow }],
        performance: {
          holdTtlSeconds: 60,
          maxTicketsPerUser: Math.max(4, opts.maxQuantity),
          queue: {
            admitPerSecond: opts.admitPerSecond,
            maxActive: opts.maxActive,
            passTtlSeconds: 300,
            // Simulated buyers do not solve the door's proof of work: the sale behind it is what is loaded.
            challengeDifficulty: 0,
          },
        },
      });
      performanceId = sale.performanceId;
      out(`sale: performance ${performanceId}, ${sale.seatCount.toLocaleString()} seats`);
    }
    const buyers = await bulkBuyers(db, opts.buyers, config.secret);
    out(`${opts.buyers.toLocaleString()} buyers → ${opts.base} (${opts.streams} event streams at most)`);

    const report = await runSale({
      client,
      purchases,
      base: opts.base,
      performanceId,
      buyers,
      grade: opts.grade,
      maxQuantity: opts.maxQuantity,
      streams: opts.streams,
      deadline: Date.now() + opts.seconds * 1000,
      onProgress: (p) => progressLine(p, opts.buyers),
    });
    if (process.stderr.isTTY) process.stderr.write('\n');

    const s = (n: number) => (n / 1000).toFixed(1);
    const rate = (n: number) => Math.round(n).toLocaleString();
    const lat = (name: string, p: Percentiles) =>
      `${name} p50 ${p.p50} ms p99 ${p.p99} ms (${p.count.toLocaleString()})`;
    out(`finished in ${s(report.elapsedMs)} s`);
    out(
      `joins ${rate(report.joinsPerSecond)}/s · admissions ${rate(report.admissionsPerSecond)}/s · ` +
        `orders ${rate(report.ordersPerSecond)}/s · ${report.seatsBought.toLocaleString()} seats bought`,
    );
    out(
      [
        lat('join', report.latency.join),
        lat('hold', report.latency.hold),
        lat('checkout', report.latency.checkout),
      ].join(' · '),
    );
    out(`purchase (admitted → paid) ${lat('', report.latency.purchase).trim()}`);
    out(`outcomes: ${JSON.stringify(report.outcomes)}`);
    const why = reasons(report.buyers);
    if (Object.keys(why).length > 0) out(`why: ${JSON.stringify(why)}`);
    out(`retried or failed replies: ${JSON.stringify(report.errors)}`);
    const counts = await ticketCounts(db, performanceId);
    out(`tickets: ${JSON.stringify(counts)}`);
    const problems = [...admissionViolations(report.buyers), ...(await bookingViolations(db, performanceId))];
    out(problems.length === 0 ? 'invariants: all hold' : `invariants BROKEN:\n  ${problems.join('\n  ')}`);
    return problems.length === 0;
  } finally {
    client.close();
    purchases.close();
    await db.end();
  }
}

/** One line a second: rewritten in place on a terminal, appended every five seconds otherwise. */
function progressLine(p: SaleProgress, total: number): void {
  const line =
    `${(p.elapsedMs / 1000).toFixed(0).padStart(4)} s · joined ${p.joined}/${total} · streaming ${p.streaming} · ` +
    `admitted ${p.admitted} · orders ${p.orders} · seats ${p.seats} · done ${p.finished} · retries ${p.errors}`;
  if (process.stderr.isTTY) process.stderr.write(`\r${line}\u001b[K`);
  else if (Math.round(p.elapsedMs / 1000) % 5 === 0) process.stderr.write(`${line}\n`);
}
