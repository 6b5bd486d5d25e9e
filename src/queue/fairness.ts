import { createHash, createHmac } from 'node:crypto';

/**
 * The verifiable draw (decision 029, docs/fairness.md), as pure functions: what the server publishes,
 * and what scripts/verify-draw.ts recomputes on its own from the published values.
 *
 * - the seed: 32 secret bytes, kept until the draw; its commitment, SHA-256(seed), is public at once;
 * - each drawn user's hash (a lottery's registrant, a fifo room's pre-queued buyer, decision 031):
 *   HMAC-SHA256(key = seed, message = the user id in decimal), hex;
 * - the order: the hashes ascending, place 1 first; nobody can choose their hash without the seed, and
 *   once the commitment is out nobody (Tmomi included) can choose the seed;
 * - the list hash: SHA-256 of the ordered hashes, hex, each followed by a newline.
 */
export const DRAW_ALGORITHM = 'tmomi-draw';
export const DRAW_VERSION = 1;

export const commitmentOf = (seed: Buffer): string => createHash('sha256').update(seed).digest('hex');

export const entryHash = (seed: Buffer, userId: string): string =>
  createHmac('sha256', seed).update(userId).digest('hex');

export const listHashOf = (entries: readonly string[]): string =>
  createHash('sha256')
    .update(entries.map((e) => `${e}\n`).join(''))
    .digest('hex');

export interface Draw {
  /** The user ids in drawn order. */
  userIds: string[];
  /** Their hashes, in the same order (ascending). */
  entries: string[];
  listHash: string;
}

/** The draw among these users with this seed: the same inputs always give the same order. */
export function draw(seed: Buffer, userIds: readonly string[]): Draw {
  const hashed = userIds.map((userId) => ({ userId, hash: entryHash(seed, userId) }));
  hashed.sort((a, b) => (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0));
  const entries = hashed.map((h) => h.hash);
  return { userIds: hashed.map((h) => h.userId), entries, listHash: listHashOf(entries) };
}

/** The place (1 first) of a hash among the drawn entries, which are ascending; null if it is not there. */
export function placeOf(entries: readonly string[], hash: string): number | null {
  let [low, high] = [0, entries.length - 1];
  while (low <= high) {
    const mid = (low + high) >>> 1;
    const entry = entries[mid]!;
    if (entry === hash) return mid + 1;
    if (entry < hash) low = mid + 1;
    else high = mid - 1;
  }
  return null;
}
