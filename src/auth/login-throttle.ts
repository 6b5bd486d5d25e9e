import { createHash } from 'node:crypto';
import { AppError, type ErrorCode } from '../contract/errors.js';
import type { Counters } from '../engine/coordination/port.js';
import { rateLimited } from '../engine/coordination/rate-limit.js';
import { loginThrottleKey } from '../engine/keys.js';

/** What a wrong guess answers: each counts as a failure. */
const FAILURES = new Set<ErrorCode>(['INVALID_CREDENTIALS', 'WRONG_PASSWORD', 'TOTP_INVALID']);
/** Wrong passwords an account may take before each further one makes the next attempt wait. */
const FREE_FAILURES = 5;
const FIRST_WAIT_MS = 1_000;
const LONGEST_WAIT_MS = 15 * 60_000;
/** How long failures are remembered without a success. */
const FAILURES_KEPT_MS = 24 * 60 * 60_000;

/**
 * Password guessing, bounded per account whatever the address: after five wrong passwords, each
 * further one makes the account wait before its next attempt, twice as long each time (1 s, 2 s, 4 s …
 * up to 15 min); a success forgets the failures. The per-address limit of the login route bounds one
 * address across accounts; this bounds many addresses against one account. Unknown emails are
 * throttled the same way, so the answers do not tell which accounts exist. Kept in the engine, so the
 * bound holds across nodes; the key is a hash of the email, never the email.
 */
export class LoginThrottle {
  private readonly counters: Counters;

  constructor({ counters }: { counters: Counters }) {
    this.counters = counters;
  }

  /**
   * Runs one attempt to prove who one is — a login, or a logged-in account's password or code before a
   * change — for `account` (an email, or `user:<id>`): refused while the account must wait, its
   * failures counted, forgotten on success.
   */
  async attempt<T>(account: string, run: () => Promise<T>): Promise<T> {
    await this.check(account);
    const result = await run().catch(async (err: unknown) => {
      if (err instanceof AppError && FAILURES.has(err.code)) await this.failed(account);
      throw err;
    });
    await this.succeeded(account);
    return result;
  }

  /** Refuses with 429 RATE_LIMITED (and Retry-After) while the account must wait. */
  async check(email: string): Promise<void> {
    const account = accountOf(email);
    if ((await this.counters.getCounter(loginThrottleKey('wait', account))) === 0) return;
    const failures = await this.counters.getCounter(loginThrottleKey('failures', account));
    throw rateLimited(waitAfter(failures));
  }

  async failed(email: string): Promise<void> {
    const account = accountOf(email);
    const failures = await this.counters.incr(loginThrottleKey('failures', account), 1, FAILURES_KEPT_MS);
    if (failures > FREE_FAILURES)
      await this.counters.incr(loginThrottleKey('wait', account), 1, waitAfter(failures));
  }

  async succeeded(email: string): Promise<void> {
    const key = loginThrottleKey('failures', accountOf(email));
    const failures = await this.counters.getCounter(key);
    if (failures > 0) await this.counters.incr(key, -failures);
  }
}

const accountOf = (email: string) =>
  createHash('sha256').update(email.trim().toLowerCase()).digest('base64url').slice(0, 22);

/** The wait after the nth failure (n > FREE_FAILURES): doubling from 1 s, at most 15 min. */
const waitAfter = (failures: number) =>
  Math.min(LONGEST_WAIT_MS, FIRST_WAIT_MS * 2 ** Math.max(0, failures - FREE_FAILURES - 1));
