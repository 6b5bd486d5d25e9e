import { fileURLToPath } from 'node:url';
import { configDefaults, defineConfig } from 'vitest/config';

const resolve = { alias: { '@tmomi/contract': fileURLToPath(new URL('./src/contract', import.meta.url)) } };
const include = ['src/**/*.test.ts', 'test/**/*.test.ts', 'web/src/**/*.test.ts'];
/** Every project's, and the root's (vitest.mutate.config.ts runs the root alone). */
const shared = {
  testTimeout: 30_000,
  hookTimeout: 120_000,
  // expect.poll's default of 1 s is shorter than a browser page's answer on a loaded 2-core CI
  // machine (the order desk's search took longer, and the test read the unfiltered count still shown).
  expect: { poll: { timeout: 10_000 } },
};

/**
 * The files that run alone, after all the others: each asserts a time, a rate or a latency with a margin
 * that a second file's load on CI's two cores could use up, or loads the machine itself while timing
 * something. A new file goes here if it does the same; every other file runs beside one other.
 */
const ALONE = [
  // Load and failover tests: they saturate both cores themselves, and assert deadlines and takeovers.
  'test/sale.test.ts', // 20,000 buyers through 3 nodes within a 300 s deadline, nodes drained and killed
  'test/booking-cluster.test.ts', // a 36 s storm over 2 nodes; 20 checkouts must reach the provider in 300 ms
  'test/redis-failover.test.ts', // a cluster primary killed twice while joins arrive at a steady rate
  'test/switchover.test.ts', // a standby promoted after 2 s, /readyz seen 503 meanwhile
  'test/balancer.test.ts', // 3 nodes and HAProxy: a new leader < 1.5 s after a drain, < 5 s after a kill
  'test/cluster.test.ts', // the other node admits < 5 s after the leader is killed (a 3 s lease)
  // Rates, ETAs and latencies measured in real time.
  'src/queue/queue.test.ts', // the ticker's rate over 4 s within ±20 %
  'test/live-controls.test.ts', // a rate change measured before and after; SALE_CLOSED on the other node < 2 s
  'src/queue/eta-stalled.test.ts', // "stalled" by poll and stream ≤ 5 s, 3 s of it the stall itself
  'test/e2e/queue-eta.test.ts', // the same in the browser, within 5 s
  'test/waitlist-cluster.test.ts', // an offer heard on the other node's stream < 2 s
  'test/observability.test.ts', // a stream counted in the gauge 300 ms after it opened
  'src/mail/mail.test.ts', // checkouts during a mail outage no slower than 3 × before + 20 ms
  'src/engine/coordination/contract.test.ts', // a new leader within the lease + 250 ms; 150–450 ms TTLs
  'src/engine/waiting-room/contract.test.ts', // Redis expiry instants 300–400 ms apart in real time
  'src/engine/redis-target.test.ts', // a join acknowledged by a replica < 400 ms
  // Browser budgets: Chromium's time to interactive and a proof of work, CPU-bound.
  'test/e2e/buyer-map.test.ts',
  'test/e2e/seatmap.test.ts',
  'test/e2e/challenge.test.ts',
  // Reads pg_locks, which is server-wide: another file's migration (fuzz, read-replica) would show in it.
  'test/pgbouncer.test.ts',
];

export default defineConfig({
  resolve,
  test: {
    ...shared,
    // On the root only, so once per `npm test` whichever projects run; what it provides reaches every
    // project. Not inherited by the projects below (they do not `extends` the root).
    globalSetup: ['test/global-setup.ts', 'test/e2e/build-web.ts'],
    reporters: ['default', './test/slowest-files.ts'],
    projects: [
      {
        resolve,
        test: {
          ...shared,
          name: 'side-by-side',
          include,
          exclude: [...configDefaults.exclude, ...ALONE],
          // Vitest would run one file at a time on CI's two cores (cores - 1). Two at once: the files
          // that wait on PostgreSQL, Redis, timers and child processes overlap; those that compute take
          // longer (docs/testing.md has the figures). Each worker has databases of its own
          // (test/worker-databases.ts).
          maxWorkers: 2,
        },
      },
      {
        resolve,
        test: {
          ...shared,
          name: 'alone',
          include: ALONE,
          fileParallelism: false,
          // After every side-by-side file has finished.
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
