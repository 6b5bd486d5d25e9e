import { createHmac } from 'node:crypto';
import { createChallenge, randomInt, verifySolution } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/sha';
import { AppError } from '../contract/errors.js';
import type { ChallengePayload, ChallengeView } from '../contract/queue.js';
import type { Claims } from '../engine/coordination/port.js';
import { challengeSpentKey } from '../engine/keys.js';
import type { PerformanceCache } from '../inventory/performance-cache.js';
import type { Clock } from '../platform/clock.js';

/** One SHA-256 per try: the browser's Web Crypto and Node's both do it, and a verify costs one HMAC. */
const ALGORITHM = 'SHA-256';
/** How long a challenge may be solved and spent for, when the configuration names nothing. */
export const DEFAULT_CHALLENGE_TTL_SECONDS = 120;

/** Why a join's challenge was refused (in the 403's details, for support; never a hint worth hiding). */
export type ChallengeRefusal = 'missing' | 'wrong' | 'expired' | 'other-performance';

export interface ChallengeServiceOptions {
  performances: Pick<PerformanceCache, 'get'>;
  engine: Claims;
  /** The app secret: the challenges' HMAC keys are derived from it, so every node checks every other's. */
  secret: string;
  clock: Clock;
  ttlSeconds?: number;
}

/**
 * Proof of work at the queue's door (decision 030), with ALTCHA's altcha-lib: no third party is called.
 *
 * A challenge is made in deterministic mode: the server picks the answer (a counter between half the
 * performance's difficulty and all of it, so a solve tries about ¾ of the difficulty in hashes, never
 * trivially few), signs the parameters — the performance id and the expiry among them — and signs the
 * key that answer derives, so a verify is two HMACs and no hash search. Nothing is stored to make or to
 * check one; spending it takes one engine key (SET NX PX) kept until the challenge expires, so the same
 * solution is refused on every node, and nothing is remembered past that.
 */
export class ChallengeService {
  private readonly signing: string;
  private readonly keySigning: string;
  private readonly ttlMs: number;

  constructor(private readonly opts: ChallengeServiceOptions) {
    // Own keys, not the app secret itself: a challenge's signature is shown to anyone who asks for one.
    this.signing = derive(opts.secret, 'tmomi:challenge:parameters');
    this.keySigning = derive(opts.secret, 'tmomi:challenge:key');
    this.ttlMs = (opts.ttlSeconds ?? DEFAULT_CHALLENGE_TTL_SECONDS) * 1000;
  }

  /** A fresh challenge for the performance's door, or `required: false` when it asks for none. */
  async issue(performanceId: string): Promise<ChallengeView> {
    const { challengeDifficulty: difficulty } = await this.opts.performances.get(performanceId);
    if (difficulty === 0) return { required: false, difficulty };
    const challenge = await createChallenge({
      algorithm: ALGORITHM,
      cost: 1,
      counter: randomInt(difficulty, Math.ceil(difficulty / 2)),
      deriveKey,
      data: { performanceId },
      expiresAt: Math.ceil((this.opts.clock.now() + this.ttlMs) / 1000),
      hmacSignatureSecret: this.signing,
      hmacKeySignatureSecret: this.keySigning,
    });
    return { required: true, difficulty, challenge: challenge as ChallengeView['challenge'] };
  }

  /**
   * Spends a solved challenge of the performance's door: nothing to do when it asks for none; 403
   * CHALLENGE_REQUIRED when the solution is missing, wrong, expired or another performance's, 403
   * CHALLENGE_REUSED when it was spent already (here or on another node).
   */
  async spend(performanceId: string, payload: ChallengePayload | undefined): Promise<void> {
    const { challengeDifficulty } = await this.opts.performances.get(performanceId);
    if (challengeDifficulty === 0) return;
    const refusal = await this.check(performanceId, payload);
    if (refusal) throw new AppError('CHALLENGE_REQUIRED', undefined, { performanceId, reason: refusal });
    const { parameters, signature } = payload!.challenge;
    const leftMs = parameters.expiresAt! * 1000 - this.opts.clock.now();
    if (!(await this.opts.engine.claimOnce(challengeSpentKey(performanceId, signature), leftMs))) {
      throw new AppError('CHALLENGE_REUSED', undefined, { performanceId });
    }
  }

  private async check(
    performanceId: string,
    payload: ChallengePayload | undefined,
  ): Promise<ChallengeRefusal | undefined> {
    if (!payload) return 'missing';
    const { parameters } = payload.challenge;
    // The injected clock decides, as everywhere (altcha-lib also checks the real one).
    if (parameters.expiresAt === undefined) return 'wrong';
    if (parameters.expiresAt * 1000 <= this.opts.clock.now()) return 'expired';
    const result = await verifySolution({
      challenge: payload.challenge,
      solution: payload.solution,
      deriveKey,
      hmacSignatureSecret: this.signing,
      hmacKeySignatureSecret: this.keySigning,
    });
    if (result.expired) return 'expired';
    if (!result.verified) return 'wrong';
    // Signed, so genuine: a challenge made for another performance's door does not open this one.
    if (parameters.data?.performanceId !== performanceId) return 'other-performance';
    return undefined;
  }
}

function derive(secret: string, purpose: string): string {
  return createHmac('sha256', secret).update(purpose).digest('hex');
}
