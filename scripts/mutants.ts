/**
 * Scripted mutants (issue 23, docs/testing.md). Stryker mutates the TypeScript; the guarantees that matter
 * most — no seat sold twice, the buyer's cap, a hold that has lapsed is lapsed — are kept by SQL, which it
 * never touches. This applies a curated list of SQL mutants one at a time and runs the tests that should
 * notice each: a mutant the tests survive is a guarantee nothing checks. The list also keeps, by name,
 * the TypeScript bugs a review once made that no test noticed (some, like `> max + 1`, are not among
 * Stryker's operators), so that each stays proven dead.
 *
 *   npm run mutate:scripted                   # every mutant; exits 1 if any survived (so it can gate)
 *   npm run mutate:scripted -- --only a,b     # just these
 *   npm run mutate:scripted -- --list         # what each mutant breaks, and which tests should catch it
 *   npm run mutate:scripted -- --check        # only that every mutant still applies (after code moved)
 *
 * The tests run with the environment as given: the embedded mode always, the scaled one too when
 * DATABASE_URL and REDIS_URL are set. Exits 1 when a mutant survived or could not be tried, 2 when the
 * tests fail even without a mutant.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, cp, mkdir, mkdtemp, open, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

interface Mutant {
  /** Short kebab name, for --only and the report. */
  id: string;
  /** A migration or a repository file, relative to the project root. */
  file: string;
  /** Text that must occur exactly once (in a migration, in its Up part). */
  find: string;
  replace: string;
  /** The test files expected to kill it. */
  tests: string[];
  /** Which guarantee it breaks. */
  why: string;
}

const ROOT = fileURLToPath(new URL('..', import.meta.url));

// Tests always migrate a fresh database from migrations/, so a database function is mutated in the
// migration that installs its live body (the text of its file in db/functions): 0022 for
// tmomi_place_holds, tmomi_refund, release and expiry (the waiting list), 0010 for
// tmomi_settle_paid_many and tmomi_settle_refunded, 0009 for the other settlements.
const PLACE_HOLDS = 'migrations/0022_waiting_list.sql';
const SETTLE = 'migrations/0010_tickets_and_refunds.sql';
const SETTLEMENTS = 'migrations/0009_settlement_in_functions.sql';
const REFUNDS = PLACE_HOLDS;
const LOST_HOLD_REFUNDS = SETTLE;
const RELEASE_EXPIRY = PLACE_HOLDS;
const HOLDS = 'src/booking/holds/repository.ts';
const CHECKOUT = 'src/booking/checkout/repository.ts';
const TICKETS = 'src/booking/tickets/repository.ts';
const INVENTORY = 'src/inventory/repository.ts';
const T = {
  booking: 'src/booking/booking.test.ts',
  batches: 'src/booking/batches.test.ts',
  refunds: 'src/booking/refunds.test.ts',
  catalog: 'src/catalog/catalog.test.ts',
  errors: 'src/platform/error-handler.test.ts',
  codes: 'src/booking/access-codes.test.ts',
};

// tmomi_place_holds decides which holds are placed in its `free` CTE, under the tickets' row locks; the
// guarded UPDATE then flips only the seats of placed holds. So the UPDATE's own `t.status = 0 OR …` is a
// backstop that cannot disagree with `free`: mutating it alone makes an equivalent mutant no test can
// kill. The mutants below mutate `free` (the batch's losers then abort the whole batch with TM001), and
// the UPDATE's other guard, the one that keeps losers' seats alone.
const FREE = 'WHERE t.status = 0 OR (t.status = 1 AND t.held_until <= s.now AND s.perf <> ALL (v_listed))';

// A parameter a mutant no longer uses is kept as `$n::type IS NOT NULL`: PostgreSQL refuses a statement
// with a parameter it cannot type, and the mutant would die of that instead of its broken guard.
const MUTANTS: Mutant[] = [
  {
    id: 'place-holds-free-counts-sold',
    file: PLACE_HOLDS,
    find: FREE,
    replace:
      'WHERE t.status IN (0, 2) OR (t.status = 1 AND t.held_until <= s.now AND s.perf <> ALL (v_listed))',
    tests: [T.batches, T.booking],
    why: 'a hold on a sold seat is placed, then undone by the guarded update with its whole batch (TM001)',
  },
  {
    id: 'place-holds-live-hold-counted-free',
    file: PLACE_HOLDS,
    find: FREE,
    replace: 'WHERE t.status = 0 OR t.status = 1',
    tests: [T.batches, T.booking],
    why: 'a hold on a seat in a live hold is placed, then undone by the guarded update with its whole batch',
  },
  {
    id: 'place-holds-expired-not-taken-over',
    file: PLACE_HOLDS,
    find: FREE,
    replace: 'WHERE t.status = 0',
    tests: [T.booking, T.batches],
    why: 'a seat whose hold expired stays taken until the sweeper runs (correctness must not wait for it)',
  },
  {
    id: 'place-holds-update-flips-losers',
    file: PLACE_HOLDS,
    find: 'WHERE p_holds[s.i] = ANY (v_placed) AND t.performance_id = s.perf',
    replace: 'WHERE t.performance_id = s.perf',
    tests: [T.batches],
    why: 'the update also flips the free seats of holds that lost (cap, a seat taken): the whole batch fails',
  },
  {
    id: 'place-holds-code-forgets-paid',
    file: PLACE_HOLDS,
    find: "OR (x.state = 'ordered' AND EXISTS",
    replace: 'OR (false AND EXISTS',
    tests: [T.codes],
    why: "a code's paid orders stop counting: it sells more purchases than its use limit",
  },
  {
    id: 'place-holds-code-ignores-live-holds',
    file: PLACE_HOLDS,
    find: "AND ((x.state = 'active' AND x.expires_at > h.now)",
    replace: 'AND ((false)',
    tests: [T.codes],
    why: "a code's live holds stop counting: unpaid holds take more uses than the code has",
  },
  {
    id: 'place-holds-cap-ignores-paid',
    file: PLACE_HOLDS,
    find: "o.user_id = h.usr AND o.status = 'paid'",
    replace: 'o.user_id = h.usr AND false',
    tests: [T.batches, T.booking],
    why: 'the per-buyer cap forgets the seats the buyer already bought',
  },
  {
    id: 'place-holds-cap-ignores-holds',
    file: PLACE_HOLDS,
    find: "x.user_id = h.usr AND x.state = 'active'",
    replace: 'x.user_id = h.usr AND false',
    tests: [T.batches, T.booking],
    why: "the per-buyer cap forgets the buyer's live holds",
  },
  {
    id: 'place-holds-cap-off-by-one',
    file: PLACE_HOLDS,
    find: 'v_have[h.i] + h.n <= h.cap',
    replace: 'v_have[h.i] + h.n <= h.cap + 1',
    tests: [T.batches, T.booking],
    why: 'a buyer may hold one seat more than the cap',
  },
  {
    id: 'settle-paid-sells-expired-hold',
    file: SETTLE,
    find: 't.hold_id = s.hold AND t.held_until > s.now AS held',
    replace: 't.hold_id = s.hold AS held',
    tests: [T.batches, T.booking],
    why: 'a payment that lands after its hold expired sells the seats instead of being refunded',
  },
  {
    id: 'settle-paid-sells-taken-over-seat',
    file: SETTLE,
    find: 't.status = 1 AND t.hold_id = s.hold AND',
    replace: 't.status = 1 AND',
    tests: [T.batches, T.booking],
    why: "a late payment sells a seat that another buyer's newer hold took over in place",
  },
  {
    id: 'settle-paid-sells-partly-held',
    file: SETTLE,
    find: 'HAVING count(*) FILTER (WHERE s.held) = s.n',
    replace: 'HAVING count(*) FILTER (WHERE s.held) > 0',
    tests: [T.batches, T.booking],
    why: 'an order holding only some of its seats is sold whole (a backstop: a test must plant the lost one)',
  },
  {
    id: 'settle-paid-settles-non-pending',
    file: SETTLE,
    find: "WHERE o.status = 'pending';",
    replace: 'WHERE true;',
    tests: [T.batches, T.booking],
    why: 'an order already settled (cancelled on a declined card, hold kept) is sold by a late settlement',
  },
  {
    id: 'refund-status-guard',
    file: REFUNDS,
    find: "IF o.status <> 'paid' THEN",
    replace: 'IF false THEN',
    tests: [T.refunds],
    why: 'two cancels of one order racing both refund it (a second order.refunded event)',
  },
  {
    id: 'refund-frees-other-orders-tickets',
    file: REFUNDS,
    find: 'AND status = 2 AND order_id = p_order',
    replace: 'AND status = 2',
    tests: [T.booking],
    why: 'a refund frees a seat of its list sold to another order (a backstop: a test must plant that seat)',
  },
  {
    id: 'refund-used-ticket',
    file: REFUNDS,
    find: 'WHERE id = ANY (v_ids) AND checked_in_at IS NOT NULL',
    replace: 'WHERE false',
    tests: [T.refunds],
    why: 'a ticket already used at the door is refunded in full, and its seat sold again',
  },
  {
    id: 'refund-after-deadline',
    file: REFUNDS,
    find: 'IF p_now > v_until THEN',
    replace: 'IF false THEN',
    tests: [T.refunds],
    why: "buyers are refunded after the performance's refund deadline",
  },
  {
    id: 'refund-other-orders-ticket-id',
    file: REFUNDS,
    find: 'WHERE NOT EXISTS (SELECT 1 FROM issued_tickets i WHERE i.id = x AND i.order_id = p_order)',
    replace: 'WHERE false',
    tests: [T.refunds],
    why: 'a ticket id of another order in ticketIds is not refused: the refund silently leaves it out',
  },
  {
    id: 'refund-last-not-the-remainder',
    file: REFUNDS,
    find: 'v_amount := o.amount - (SELECT coalesce(sum(amount), 0) FROM refunds WHERE order_id = p_order);',
    replace: 'NULL;',
    tests: [T.refunds],
    why: "an order's refunds need not add up to its charge (prices changed, or rounding)",
  },
  {
    id: 'lost-hold-refund-status-guard',
    file: LOST_HOLD_REFUNDS,
    find: "WHERE id = p_order AND status = 'pending'\n    RETURNING * INTO o;",
    replace: 'WHERE id = p_order\n    RETURNING * INTO o;',
    tests: [T.refunds],
    why: 'a paid order is refunded as if its hold were lost, by a late second settler',
  },
  {
    id: 'free-held-seats-frees-taken-over-seat',
    file: SETTLEMENTS,
    find: 'AND t.hold_id = h.id AND t.status = 1',
    replace: 'AND t.status = 1',
    tests: [T.booking],
    why: 'releasing or sweeping an expired hold frees a seat that a newer hold took over in place',
  },
  {
    id: 'expire-holds-expires-live-holds',
    file: RELEASE_EXPIRY,
    find: "WHERE state = 'active' AND expires_at <= p_now",
    replace: "WHERE state = 'active'",
    tests: [T.booking],
    why: "the sweeper expires live holds and frees their seats under the buyer's feet",
  },
  {
    id: 'release-hold-of-another-buyer',
    file: RELEASE_EXPIRY,
    find: "WHERE id = p_hold AND user_id = p_user AND state = 'active'",
    replace: "WHERE id = p_hold AND state = 'active'",
    tests: [T.booking],
    why: "any signed-in buyer who knows a hold's id can release it",
  },
  {
    id: 'check-in-admits-void',
    file: TICKETS,
    find: 'checked_in_at IS NULL AND voided_at IS NULL',
    replace: 'checked_in_at IS NULL',
    tests: [T.booking],
    why: 'the code of a refunded ticket still admits at the door',
  },
  {
    id: 'check-in-any-performance',
    file: TICKETS,
    find: 'WHERE code = $1 AND performance_id = $2 AND',
    replace: 'WHERE code = $1 AND',
    tests: [T.refunds],
    why: "a ticket admits at another performance's door, any night",
  },
  {
    id: 'check-in-admits-twice',
    file: TICKETS,
    find: 'checked_in_at IS NULL AND voided_at IS NULL',
    replace: 'voided_at IS NULL',
    tests: [T.booking],
    why: 'one code admits again and again',
  },
  {
    id: 'create-orders-expired-hold',
    file: CHECKOUT,
    find: ' AND h.expires_at > x.now',
    replace: '',
    tests: [T.booking],
    why: 'checkout of an expired hold creates an order and charges the card, instead of refusing it first',
  },
  {
    id: 'create-orders-hold-of-another-buyer',
    file: CHECKOUT,
    find: 'h.id = x.hold AND h.user_id = x.usr',
    replace: 'h.id = x.hold',
    tests: [T.booking],
    why: "a buyer's checkout of someone else's hold leaves a pending order on it that blocks the owner",
  },
  {
    id: 'claim-order-ignores-live-claim',
    file: CHECKOUT,
    find: 'AND (charge_claimed_until IS NULL OR charge_claimed_until <= $2)',
    replace: 'AND $2::timestamptz IS NOT NULL',
    tests: [T.booking],
    why: 'a retry takes over the charge while the first request is still charging: two charge one order',
  },
  {
    id: 'unavailable-seats-omits-sold',
    file: HOLDS,
    find: 'status IN (${Sold}, ${Blocked})',
    replace: 'status IN (${Blocked})',
    tests: [T.batches, T.booking],
    why: 'a buyer refused by PostgreSQL is not told of the sold seats, so best-available picks them again',
  },
  {
    id: 'availability-shows-sold-free',
    file: INVENTORY,
    find: 'WHERE performance_id = $1 AND (status = ${Available} OR (status = ${Held} AND held_until < now()))',
    replace:
      'WHERE performance_id = $1 AND (status IN (${Available}, ${Sold}) OR (status = ${Held} AND held_until < now()))',
    tests: [T.catalog],
    why: 'a rebuilt seat map shows sold seats as free',
  },
  // The review's TypeScript survivors (issue 23), kept by name.
  {
    id: 'service-cap-off-by-one',
    file: 'src/booking/holds/requests.ts',
    find: 'quantity > perf.maxTicketsPerUser',
    replace: 'quantity > perf.maxTicketsPerUser + 1',
    tests: [T.booking],
    why: 'a request for one seat over the cap reaches the gate (which then refuses it for another reason)',
  },
  {
    id: 'checkout-key-reused-for-another-hold',
    file: 'src/booking/checkout/service.ts',
    find: 'if (order.holdId !== holdId)',
    replace: 'if (String(order.holdId) === "never")',
    tests: [T.booking],
    why: 'a checkout key that paid one hold, sent with another, answers the first order: the buyer is told it is paid',
  },
  {
    id: 'cancel-leaves-map-taken',
    file: 'src/booking/orders/service.ts',
    find: 'availability.markFree(order.performanceId, decision.freed),',
    replace: '',
    tests: [T.booking],
    why: 'a refunded seat stays shown taken on the seat map until the map is rebuilt',
  },
  {
    id: 'sweep-leaves-map-taken',
    file: 'src/booking/holds/expiry.ts',
    find: 'await Promise.all([...byPerf].map(([perf, seats]) => availability.markFree(perf, seats)));',
    replace: '',
    tests: [T.booking],
    why: "an expired hold's seats stay shown taken on the seat map after the sweeper freed them",
  },
  {
    id: 'error-500-leaks-the-stack',
    file: 'src/platform/error-handler.ts',
    find: "return { status: 500, body: errorBody('INTERNAL') };",
    replace: "return { status: 500, body: errorBody('INTERNAL', String(err.stack)) };",
    tests: [T.errors],
    why: 'an unexpected error tells the client its message and stack',
  },
  {
    id: 'error-unknown-as-400',
    file: 'src/platform/error-handler.ts',
    find: "return { status: 500, body: errorBody('INTERNAL') };",
    replace: "return { status: 400, body: errorBody('VALIDATION_FAILED') };",
    tests: [T.errors],
    why: "an unexpected error is answered as the client's fault, and never logged as ours",
  },
];

// Build output, caches and reports: large, or written by runs of their own, and never what a test reads.
const NOT_COPIED = new Set(['.git', '.tmomi', 'reports', '.stryker-tmp', 'test-results', 'coverage', 'dist']);

/**
 * The file's text with the mutant applied. `find` must occur exactly once, so that the list cannot
 * silently rot when the code moves: a snippet gone or repeated fails the run before any test runs. In a
 * migration only the Up part counts: its Down part may repeat an older body, which tests never run.
 */
async function mutated(m: Mutant, root: string): Promise<string> {
  const text = await readFile(join(root, m.file), 'utf8');
  const down = m.file.endsWith('.sql') ? text.indexOf('-- Down Migration') : -1;
  const searched = down === -1 ? text : text.slice(0, down);
  const at = searched.indexOf(m.find);
  if (at === -1) throw new Error(`${m.id}: not found in ${m.file}: ${m.find}`);
  if (searched.indexOf(m.find, at + 1) !== -1) throw new Error(`${m.id}: found more than once in ${m.file}`);
  return text.slice(0, at) + m.replace + text.slice(at + m.find.length);
}

/**
 * A throwaway copy of the project to mutate, so that the working tree (which others edit meanwhile) is
 * never left mutated, even when this run is killed. node_modules is linked, not copied.
 */
async function copyProject(dest: string): Promise<void> {
  // Timestamps kept: the browser tests' setup rebuilds web/dist only when a source is newer than it.
  await cp(ROOT, dest, {
    recursive: true,
    preserveTimestamps: true,
    filter: (src) => basename(src) !== 'node_modules' && !NOT_COPIED.has(relative(ROOT, src)),
  });
  await symlink(join(ROOT, 'node_modules'), join(dest, 'node_modules'), 'dir');
}

type Outcome = 'killed' | 'survived' | 'error';

let running: ChildProcess | undefined;
let interrupted = false;

/**
 * Runs the tests in `dir`. Killed means a test failed; a failure before any test ran (the migrations did
 * not apply, the setup broke) is an error, not a kill: the mutant was never tried.
 */
async function runTests(dir: string, tests: string[]): Promise<{ outcome: Outcome; by: string }> {
  const report = join(dir, 'vitest-report.json');
  const log = await open(join(dir, 'vitest.log'), 'w');
  // The tests' temporary files (PostgreSQL's data folder above all) go beside the copy, so that what a
  // killed or broken run leaves there goes with it.
  const scratch = `${dir}.tmp`;
  await mkdir(scratch);
  // --bail: the first failure decides. --no-cache: node_modules is the working tree's, and vitest's
  // results cache in it would otherwise learn our mutants' failures and reorder everyone's next run.
  const args = ['vitest', 'run', '--bail=1', '--no-cache', '--reporter=default', '--reporter=json'];
  try {
    // Its own process group, so that an interrupt stops vitest's workers and PostgreSQL with it.
    running = spawn('npx', [...args, `--outputFile.json=${report}`, ...tests], {
      cwd: dir,
      stdio: ['ignore', log.fd, log.fd],
      detached: true,
      env: { ...process.env, TMPDIR: scratch },
    });
    const child = running;
    const code = await new Promise<number | null>((resolve, reject) => {
      child.on('error', reject);
      child.on('exit', resolve);
    });
    // Whatever the run left behind: test/global-setup.ts leaves its PostgreSQL running when the
    // migrations fail to apply (a mutant that is not valid SQL).
    stopGroup(child);
    if (code === 0) return { outcome: 'survived', by: '' };
    const failed = existsSync(report)
      ? firstFailure(JSON.parse(await readFile(report, 'utf8')) as JsonReport)
      : undefined;
    if (failed) return { outcome: 'killed', by: failed };
    const tail = (await readFile(join(dir, 'vitest.log'), 'utf8')).trim().split('\n').slice(-20).join('\n');
    return { outcome: 'error', by: `vitest exited ${code} before any test failed:\n${tail}` };
  } finally {
    running = undefined;
    await log.close();
    // Retried: a PostgreSQL still shutting down may write there a moment longer.
    await rm(scratch, { recursive: true, force: true, maxRetries: 5 });
  }
}

interface JsonReport {
  testResults?: {
    name: string;
    status: string;
    message?: string;
    assertionResults?: { fullName: string; status: string }[];
  }[];
}

/** The first failed test's name (or the failed file's message), as the reason a mutant died. */
function firstFailure(report: JsonReport): string | undefined {
  for (const file of report.testResults ?? []) {
    const test = file.assertionResults?.find((a) => a.status === 'failed');
    if (test) return test.fullName;
    if (file.status === 'failed')
      return `${relative(ROOT, file.name)}: ${(file.message ?? '').split('\n')[0]}`;
  }
  return undefined;
}

function stopGroup(child: ChildProcess | undefined): void {
  try {
    if (child?.pid) process.kill(-child.pid, 'SIGTERM');
  } catch {
    // Already gone.
  }
}

function stopRunning(): void {
  interrupted = true;
  stopGroup(running);
}

const seconds = (since: number) => (performance.now() - since) / 1000;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { only: { type: 'string' }, list: { type: 'boolean' }, check: { type: 'boolean' } },
  });
  const wanted = values.only?.split(',').map((id) => id.trim());
  const unknown = wanted?.filter((id) => !MUTANTS.some((m) => m.id === id)) ?? [];
  if (unknown.length > 0) throw new Error(`no such mutant: ${unknown.join(', ')} (see --list)`);
  const mutants = wanted ? MUTANTS.filter((m) => wanted.includes(m.id)) : MUTANTS;

  if (values.list) {
    for (const m of mutants)
      console.log(`${m.id}\n  ${m.file}\n  breaks: ${m.why}\n  tests: ${m.tests.join(' ')}\n`);
    return 0;
  }

  // Every mutant is checked before any test runs: a rotten list fails in a second, not after an hour.
  const missing = mutants.flatMap((m) => m.tests.filter((t) => !existsSync(join(ROOT, t))));
  if (missing.length > 0) throw new Error(`test files not found: ${[...new Set(missing)].join(', ')}`);
  const rotten = (await Promise.allSettled(mutants.map((m) => mutated(m, ROOT)))).flatMap((r) =>
    r.status === 'rejected' ? [(r.reason as Error).message] : [],
  );
  if (rotten.length > 0) throw new Error(`${rotten.length} mutants no longer apply:\n${rotten.join('\n')}`);
  if (values.check) {
    console.log(`${mutants.length} mutants apply, each exactly once, and their tests exist`);
    return 0;
  }

  const temp = await mkdtemp(join(tmpdir(), 'tmomi-mutate-sql-'));
  // As root, PostgreSQL runs as the postgres user, which must be able to reach its data folder in here.
  await chmod(temp, 0o755);
  process.on('SIGINT', stopRunning);
  process.on('SIGTERM', stopRunning);
  const started = performance.now();
  const results: { m: Mutant; outcome: Outcome; by: string; took: number }[] = [];
  try {
    // Unmutated first: if these tests already fail, every mutant would look killed.
    const tests = [...new Set(mutants.flatMap((m) => m.tests))];
    const clean = join(temp, 'unmutated');
    await copyProject(clean);
    console.log(`unmutated: ${tests.join(' ')} …`);
    const dry = await runTests(clean, tests);
    await rm(clean, { recursive: true, force: true });
    if (interrupted) return 130;
    if (dry.outcome !== 'survived') {
      console.error(`the tests fail without any mutant (${dry.by}); fix them first`);
      return 2;
    }
    console.log(`unmutated: pass in ${seconds(started).toFixed(0)} s\n`);

    // One at a time: the machine has two cores, and each run already starts PostgreSQL and vitest's workers.
    for (const [i, m] of mutants.entries()) {
      const dir = join(temp, m.id);
      await copyProject(dir);
      // Mutated as copied: the file may have moved on since the check above.
      await writeFile(join(dir, m.file), await mutated(m, dir));
      const since = performance.now();
      const { outcome, by } = await runTests(dir, m.tests);
      await rm(dir, { recursive: true, force: true });
      if (interrupted) return 130;
      const took = seconds(since);
      results.push({ m, outcome, by, took });
      const n = `[${String(i + 1).padStart(2)}/${mutants.length}]`;
      console.log(`${n} ${m.id}: ${outcome} in ${took.toFixed(0)} s${by ? ` — ${by}` : ''}`);
    }
  } finally {
    await rm(temp, { recursive: true, force: true });
  }

  const width = Math.max(...results.map((r) => r.m.id.length));
  console.log(`\n${'mutant'.padEnd(width)}  result    seconds`);
  for (const { m, outcome, took } of results)
    console.log(`${m.id.padEnd(width)}  ${outcome.padEnd(8)}  ${took.toFixed(0).padStart(7)}`);
  const count = (o: Outcome) => results.filter((r) => r.outcome === o).length;
  const totals = `${count('killed')} killed, ${count('survived')} survived, ${count('error')} errors`;
  console.log(`\n${totals} of ${results.length} in ${(seconds(started) / 60).toFixed(1)} min`);
  return count('killed') === results.length ? 0 : 1;
}

process.exitCode = await main();
