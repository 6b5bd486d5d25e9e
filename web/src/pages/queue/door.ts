import { solveChallenge } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/web/sha';
import type { ChallengePayload } from '@tmomi/contract/queue';
import { client } from '../../api';
import { ApiError } from '../../api-core';

/** The name of the performance measure each solve leaves (the browser test reads how long it took). */
export const SOLVE_MEASURE = 'tmomi:challenge-solve';
/** A solve that takes longer than this is given up (the buyer can join again). */
const SOLVE_TIMEOUT_MS = 60_000;

/**
 * Solves the proof of work the performance's door asks for, in this page (ALTCHA's altcha-lib with the
 * browser's Web Crypto; nothing leaves for a third party), or returns undefined when it asks for none.
 * See docs/decisions/030-proof-of-work-at-the-door.md.
 */
export async function solveDoor(
  performanceId: string,
  signal: AbortSignal,
): Promise<ChallengePayload | undefined> {
  const door = await client.queue.challenge(performanceId, signal);
  if (!door.required || !door.challenge) return undefined;
  const controller = new AbortController();
  signal.addEventListener('abort', () => controller.abort(), { once: true });
  const start = performance.now();
  const solution = await solveChallenge({
    challenge: door.challenge,
    deriveKey,
    controller,
    timeout: SOLVE_TIMEOUT_MS,
  });
  performance.measure(SOLVE_MEASURE, {
    start,
    end: performance.now(),
    detail: { difficulty: door.difficulty },
  });
  if (!solution)
    throw signal.aborted ? signal.reason : new ApiError(403, 'CHALLENGE_REQUIRED', 'Not solved in time.');
  return { challenge: door.challenge, solution };
}

/** Whether the door refused the solution: a new challenge, solved again, is the remedy. */
function refusedAtTheDoor(err: unknown): boolean {
  return err instanceof ApiError && (err.code === 'CHALLENGE_REQUIRED' || err.code === 'CHALLENGE_REUSED');
}

/**
 * Sends a request the door guards (a join, a lottery registration) with a challenge solved here first;
 * once more with a new one if it was refused (its difficulty changed meanwhile, or a retried request
 * had spent it already).
 */
export async function throughTheDoor<T>(
  performanceId: string,
  signal: AbortSignal,
  send: (challenge: ChallengePayload | undefined) => Promise<T>,
): Promise<T> {
  const through = async () => send(await solveDoor(performanceId, signal));
  try {
    return await through();
  } catch (err) {
    if (!refusedAtTheDoor(err)) throw err;
    return through();
  }
}
