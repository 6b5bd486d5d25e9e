// @ts-check
/**
 * Mutation testing of the modules that hold Tmomi's guarantees (no oversell, one order and one charge per
 * key, a fair queue and valid passes, clear 4xx errors): `npm run mutate`. A surviving mutant is a change
 * to that code that no test notices. Reports: reports/mutation/<suite>/mutation.{html,json}.
 *
 * Why each choice:
 * - StrykerJS 9.6, not 10: 10 refuses to start on Node < 22, and Tmomi runs on Node 20.
 * - Three suites, one after the other (TMOMI_MUTATE_SUITE; package.json runs them in turn), each module
 *   against the tests that specify it, so that a mutant is not "killed" in passing by another module's
 *   suite, and does not sit through slow suites that only reach it on a timer:
 *   - engine: the memory engine's hold gate, waiting room and seat-map bitset, against the engine
 *     contract suite only. That suite is the engine's specification, and all the Redis adapter gets: a
 *     mutant only an HTTP test notices is a hole in the contract. No database; ~1 s per mutant.
 *   - booking: holds, the gate, checkout, orders, tickets and their repositories, the sweeper's leader
 *     check, the seat map and the HTTP error handler, against the booking, batch, catalog and HTTP tests.
 *   - queue: pass verification, joining and the sold-out check, against the queue and drain tests and
 *     the booking tests (whose holds need a pass).
 *   All in one run, the HTTP tests (on the memory engine, with the queue ticker and the sweeper running
 *   every second) covered nearly every line: the estimate was ~4 h, then ~2 h with narrower ranges.
 * - Embedded mode only: the npm scripts unset DATABASE_URL and REDIS_URL, so each test runs once (memory
 *   engine + embedded PostgreSQL from test/global-setup.ts), not once more against real servers.
 * - vitest.mutate.config.ts: the suite's test files only, forks instead of the runner's forced threads,
 *   each suite's own and fastest test files first, an ECONNRESET retry, and a clean-up of PostgreSQL servers left by killed
 *   workers (it says why for each).
 * - coverageAnalysis 'perTest': each mutant runs only the tests that reach it, and stops at the first
 *   failure (bail). It is what makes DB-backed tests affordable here.
 * - ignoreStatic: code run only while a module loads or an app is built in beforeAll (constants,
 *   constructors) would need every test re-run per mutant; it is wiring, not the guarantees.
 * - mutate: line ranges (`file:start-end`, 1-based, inclusive) keep to the logic behind the guarantees,
 *   leaving out imports, types, constructor wiring, views, and the sweeper's loop and the finders it
 *   drives (HoldExpiry.sweep, expireHolds, abandonedOrders, settleAbandoned): those run off a 1 s timer
 *   in every app test, so each of their surviving mutants re-ran most of the app suite (~1 min) for
 *   tidy-up code that correctness never waits for. Kept: BookingSweeper.sweep, which is
 *   BackgroundLoop.runNow and its leader check (src/engine/coordination/loop.ts; its own tests run
 *   first).
 * - StringLiteral mutants kept: of ~220, only 13 are SQL text (emptied whole, and killed at once by the
 *   first query); the rest are error codes, states and outcomes that tests must pin. Metric label values
 *   are among them: survivors there are noise, and are triaged as such.
 * - concurrency 2: one runner per core. Each runner is one vitest running one file at a time (in the
 *   booking and queue suites: with its own embedded PostgreSQL on a free port).
 * - timeouts: DB-backed tests vary a lot on a busy 2-core machine, and a correct but slow run must not
 *   count as a timeout; infinite loops are still caught early by Stryker's hit limit.
 */
import process from 'node:process';

const suite = process.env.TMOMI_MUTATE_SUITE;

const MUTATE = {
  engine: [
    'src/engine/hold-gate/memory.ts:29-174',
    'src/engine/waiting-room/live-slots.ts:5-37',
    'src/engine/waiting-room/memory.ts:14-232',
    // One performance's queue: its entries, the draw's placement, passes running out. Not yet its
    // restore from the record (memory-restore.ts, decision 038): the restore contract suites hold it.
    'src/engine/waiting-room/memory-queue.ts:48-139',
    // How the memory waiting room writes and reads its entries' states (encodeState … seqOf).
    'src/engine/waiting-room/state.ts:21-32',
    // The memory engine's seat-map versions and bitset (createMemoryVersions, createMemoryAvailability).
    'src/engine/availability/memory.ts:10-80',
  ],
  booking: [
    // Holds: create … release and their refusals' HTTP errors; the gate's calls and its rebuild (not
    // the expiry sweep: see above).
    'src/booking/holds/service.ts:73-246',
    'src/booking/holds/refusals.ts:39-84',
    // What a hold request asks for (seats, a grade, a standing area) and the picking loop (decision 033).
    'src/booking/holds/requests.ts:34-88',
    'src/booking/holds/picking.ts:41-61',
    // One request under a key at a time, per node (the hold service's keyed requests).
    'src/platform/in-order.ts:9-21',
    'src/booking/gate/service.ts:72-114',
    // checkout … its outcome (not settleAbandoned); orders read, listed and cancelled; tickets read and
    // checked in (not the view mappers).
    'src/booking/checkout/service.ts:55-263',
    'src/booking/orders/service.ts:50-56',
    'src/booking/orders/service.ts:83-182',
    'src/booking/orders/service.ts:192-208',
    'src/booking/tickets/service.ts:23-66',
    // The repositories: the batching keys and retries in the constructors, placing and settling,
    // orders, refunds, check-in, the gate's snapshot (not expireHolds or abandonedOrders).
    'src/booking/sql.ts:13-23',
    'src/booking/holds/repository.ts:63-143',
    'src/booking/checkout/repository.ts:35-146',
    'src/booking/checkout/repository.ts:162-187',
    'src/booking/orders/repository.ts:113-117',
    'src/booking/orders/repository.ts:154-181',
    'src/booking/orders/repository.ts:211-217',
    'src/booking/tickets/repository.ts:41-86',
    'src/booking/gate/repository.ts:9-27',
    // The sweeper's `sweep`: a pass that waits for a running one, and only on the leader.
    'src/engine/coordination/loop.ts:60-68',
    'src/engine/coordination/loop.ts:82-93',
    'src/inventory/availability.ts:55-105',
    // The error handlers (with the security-event log budget), toErrorResponse, and the not-found
    // handler (404, 405, 414).
    'src/platform/error-handler.ts:24-63',
    'src/platform/error-handler.ts:71-76',
    'src/platform/error-handler.ts:92-141',
    'src/platform/error-handler.ts:164-195',
    'src/platform/error-handler.ts:206-215',
    'src/platform/route-table.ts:33-51',
  ],
  queue: [
    // join (sale window, closed room — a buyer on the waiting list let in —; not the lottery's opening,
    // the challenge or the draw: their suites are not here), verifyPass and consumePass, closedError.
    'src/queue/service.ts:101-110',
    'src/queue/service.ts:116-128',
    'src/queue/service.ts:202-227',
    'src/queue/service.ts:287-292',
    'src/queue/sold-out.ts:40-63',
  ],
};
if (!(suite === 'engine' || suite === 'booking' || suite === 'queue')) {
  throw new Error(`TMOMI_MUTATE_SUITE must be engine, booking or queue, not ${suite}: use npm run mutate`);
}

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  plugins: ['@stryker-mutator/vitest-runner'],
  vitest: { configFile: 'vitest.mutate.config.ts' },
  coverageAnalysis: 'perTest',
  ignoreStatic: true,
  mutate: MUTATE[suite],
  ignorePatterns: ['dist', 'coverage', 'test-results', '.tmomi', 'web/dist', 'reports'],
  reporters: ['html', 'json', 'clear-text', 'progress'],
  htmlReporter: { fileName: `reports/mutation/${suite}/mutation.html` },
  jsonReporter: { fileName: `reports/mutation/${suite}/mutation.json` },
  clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true },
  concurrency: 2,
  timeoutMS: 20_000,
  timeoutFactor: 2,
  dryRunTimeoutMinutes: 20,
  tempDirName: '.stryker-tmp',
};
