import { createHmac, timingSafeEqual } from 'node:crypto';
import { createChallenge, randomInt } from 'altcha-lib';
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
    const refusal = this.check(performanceId, payload);
    if (refusal) throw new AppError('CHALLENGE_REQUIRED', undefined, { performanceId, reason: refusal });
    const { parameters, signature } = payload!.challenge;
    const leftMs = parameters.expiresAt! * 1000 - this.opts.clock.now();
    if (!(await this.opts.engine.claimOnce(challengeSpentKey(performanceId, signature), leftMs))) {
      throw new AppError('CHALLENGE_REUSED', undefined, { performanceId });
    }
  }

  private check(performanceId: string, payload: ChallengePayload | undefined): ChallengeRefusal | undefined {
    if (!payload) return 'missing';
    const { parameters } = payload.challenge;
    // The injected clock decides, as everywhere.
    if (parameters.expiresAt === undefined) return 'wrong';
    if (parameters.expiresAt * 1000 <= this.opts.clock.now()) return 'expired';
    if (!solved(payload, this.signing, this.keySigning)) return 'wrong';
    // Signed, so genuine: a challenge made for another performance's door does not open this one.
    if (parameters.data?.performanceId !== performanceId) return 'other-performance';
    return undefined;
  }
}

/**
 * altcha-lib's `verifySolution` for the challenges `issue` makes (always signed, always with a key
 * signature: its "faster path"), with node:crypto's HMAC instead of Web Crypto's: a join's check costs
 * ~5 µs instead of ~150 µs (decision 030; bench:queue measured the difference as most of the door's
 * cost). The same decisions in the same order: the parameters' signature over their canonical JSON,
 * a well-formed solution, then the derived key's signature. challenge.test.ts holds it to
 * `verifySolution`'s answers, genuine and tampered alike. Expiry is checked by the caller.
 */
export function solved(
  { challenge, solution }: ChallengePayload,
  signing: string,
  keySigning: string,
): boolean {
  const { parameters, signature } = challenge;
  if (!parameters.keySignature || !sameText(signature, hmacHex(signing, canonicalJson(parameters))))
    return false;
  const { derivedKey, counter } = solution;
  if (
    !/^(?:[0-9a-f]{2})+$/.test(derivedKey) ||
    !Number.isInteger(counter) ||
    counter < 0 ||
    counter > 0xffff_ffff
  )
    return false;
  return sameText(parameters.keySignature, hmacHex(keySigning, Buffer.from(derivedKey, 'hex')));
}

function hmacHex(key: string, data: string | Buffer): string {
  return createHmac('sha256', key).update(data).digest('hex');
}

function sameText(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
}

/** JSON with every object's keys sorted and undefined values left out, as altcha-lib signs parameters. */
function canonicalJson(value: unknown): string {
  const sorted = (v: unknown): unknown =>
    typeof v !== 'object' || v === null || Array.isArray(v)
      ? v
      : Object.fromEntries(
          Object.keys(v)
            .sort()
            .flatMap((k) => {
              const inner = (v as Record<string, unknown>)[k];
              return inner === undefined ? [] : [[k, sorted(inner)]];
            }),
        );
  return JSON.stringify(sorted(value));
}

function derive(secret: string, purpose: string): string {
  return createHmac('sha256', secret).update(purpose).digest('hex');
}
