import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import base from './vitest.config.js';

/**
 * The tests Stryker runs against mutants (stryker.config.mjs, `npm run mutate`): only those that exercise
 * the mutated modules, and only the global setup that starts the embedded PostgreSQL (not the web build,
 * which no test here needs). The rest comes from vitest.config.ts. Spread rather than mergeConfig, which
 * would concatenate `include` and `globalSetup` with the main config's instead of replacing them.
 */

/**
 * Under Stryker only (it sets STRYKER_MUTATOR_WORKER in its worker processes): Stryker kills a worker
 * with SIGKILL when a mutant times out, so test/global-setup.ts's teardown never stops that worker's
 * embedded PostgreSQL, which lives on as an orphan with its data folder. The worker's temporary files
 * (that folder included: global-setup makes it under os.tmpdir()) go to a folder of its own, and a
 * detached watchdog stops the PostgreSQL left in it and deletes it once the worker has gone.
 */
if (process.env.STRYKER_MUTATOR_WORKER !== undefined && process.env.TMOMI_MUTATE_TMPDIR === undefined) {
  const dir = mkdtempSync(join(tmpdir(), 'tmomi-mutate-'));
  chmodSync(dir, 0o755); // PostgreSQL runs as the postgres user when we are root: it must enter it
  process.env.TMOMI_MUTATE_TMPDIR = dir;
  process.env.TMPDIR = dir;
  // In a background subshell of a shell that exits at once: re-parented to init, so outside the process
  // tree Stryker kills (with tree-kill) when it disposes of the worker.
  const watchdog = `(
    while kill -0 "$1" 2>/dev/null; do sleep 2; done
    for pidfile in "$2"/*/pg/postmaster.pid; do
      [ -f "$pidfile" ] || continue
      pid=$(head -n 1 "$pidfile")
      kill -INT "$pid" 2>/dev/null
      for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    done
    rm -rf "$2"
  ) </dev/null >/dev/null 2>&1 &`;
  spawn('sh', ['-c', watchdog, 'tmomi-mutate-watchdog', String(process.pid), dir], { stdio: 'ignore' });
}

/**
 * The test files of each suite (stryker.config.mjs says why there are three), chosen by
 * TMOMI_MUTATE_SUITE, in the order they run. Stryker runs the tests that cover a mutant and stops at the
 * first failure, so the suite's own, fastest killers go first: HTTP errors and the seat map before the
 * booking flows; the queue suite (seconds per test: admission runs in real time) before the booking
 * tests that only reach its code in passing. Vitest's own order would be slowest first.
 * Only the engine suite runs without the embedded PostgreSQL: it needs none.
 */
const SUITES = {
  engine: ['src/engine/**/*contract.test.ts'],
  booking: [
    'src/engine/coordination/loop.test.ts',
    'src/platform/error-handler.test.ts',
    'src/platform/http.test.ts',
    'test/error-shape.test.ts',
    'src/contract/errors.test.ts',
    'src/catalog/catalog.test.ts',
    'src/booking/holds/picking.test.ts',
    'src/booking/gate/service.test.ts',
    'src/platform/in-order.test.ts',
    'src/inventory/availability.test.ts',
    'src/booking/repository-faults.test.ts',
    'src/booking/observed.test.ts',
    'src/booking/holds/behind-the-gate.test.ts',
    'src/booking/checkout/races.test.ts',
    'src/booking/booking.test.ts',
    'src/booking/refunds.test.ts',
    'src/booking/standing-and-blocked.test.ts',
    'src/booking/batches.test.ts',
    'src/booking/waitlist-channel.test.ts',
    // The fourth complete run (docs/testing.md) found the access codes' refusals, the waiting list's
    // offers after a refund, the desk's refunds and a cancelled performance's refunds untested by the
    // files above: their own suites, the slowest (the cancellation's mail) last.
    'src/booking/access-codes.test.ts',
    'src/booking/limits.test.ts',
    'src/booking/waitlist.test.ts',
    'src/booking/desk.test.ts',
    'src/mail/mail.test.ts',
    // The seat map's flips dropping this node's remembered public reads (the fifth run's triage).
    'test/public-reads.test.ts',
  ],
  queue: [
    'src/queue/sold-out.test.ts',
    'src/queue/queue.test.ts',
    'src/queue/drain.test.ts',
    // A lottery's room opens with its draw, not its pre-queue (the session-20 queue run's triage).
    'src/queue/lottery.test.ts',
    'src/booking/booking.test.ts',
    'src/booking/waitlist-channel.test.ts',
  ],
};
const suite = process.env.TMOMI_MUTATE_SUITE;
if (suite !== 'engine' && suite !== 'booking' && suite !== 'queue') {
  throw new Error(`TMOMI_MUTATE_SUITE must be engine, booking or queue, not ${suite}: see package.json`);
}
const include = SUITES[suite];

class InSuiteOrder extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (spec: TestSpecification) => {
      const path = relative(spec.project.config.root, spec.moduleId);
      return include.findIndex((pattern) => path.startsWith(pattern.split('*')[0]!));
    };
    return [...files].sort((a, b) => rank(a) - rank(b));
  }
}

export default defineConfig({
  ...base,
  test: {
    ...base.test,
    // The main config's projects split its files into those run side by side and those run alone;
    // here the root runs the suite's files itself, one at a time.
    projects: undefined,
    include,
    globalSetup: suite === 'engine' ? [] : ['test/global-setup.ts'],
    sequence: { ...base.test?.sequence, sequencer: InSuiteOrder },
    // http.test.ts's keep-alive close test gives its request 20 ms to reach the server before closing
    // it; on a busy machine (two Stryker workers, nice'd, beside other jobs) it often has not, and the
    // test fails with ECONNRESET, several times in a row. One flaky failure in the initial run stops
    // Stryker, and in a mutant's run it would count as a kill. Only that error is retried, a second
    // apart: a mutant's failed assertion costs nothing more.
    retry: { count: 4, delay: 1_000, condition: /ECONNRESET/ },
  },
  plugins: [
    {
      // Stryker's vitest runner forces `pool: 'threads'` (stryker-js#6223). In a worker thread the HTTP
      // tests misbehave: http.test.ts's keep-alive close test fails every time it runs alone (as it does
      // for a mutant that only it covers), so mutants would be "killed" by a broken test. Back to forks,
      // vitest's own default and what `npm test` uses; this hook runs after the runner's options apply.
      name: 'tmomi:mutate-forks-pool',
      configureVitest({ vitest, project }) {
        vitest.config.pool = 'forks';
        project.config.pool = 'forks';
      },
    },
  ],
});
