import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import * as common from '@zxcvbn-ts/language-common';
import { AppError } from '../contract/errors.js';

/**
 * Passwords must be at least 12 characters (the schema, `Password` in the contract) and not guessable:
 * zxcvbn's estimate (a well-kept port, with its list of passwords most common in breaches and of
 * diceware words), against the account's own email and name too, must reach "safely unguessable"
 * (score 3: more than 10^8 guesses). "aaaaaaaaaaaa", twelve spaces, "password1234" and the email with a
 * digit are refused.
 */
const MIN_SCORE = 3;
/**
 * Only this much of a password is estimated: the estimate's cost grows steeply with length (about 4 ms
 * at 20 characters, 38 ms at 64, on the event loop), and a password whose first 24 characters are
 * unguessable is unguessable.
 */
const ESTIMATED_LENGTH = 24;

const estimator = new ZxcvbnFactory({
  dictionary: { ...common.dictionary },
  graphs: common.adjacencyGraphs,
});

/** Words of the account (email, name) no password may contain: the first guesses of anyone who knows it. */
const MIN_PERSONAL_WORD = 4;

/** Throws 422 WEAK_PASSWORD unless the password is hard to guess, also knowing `about` (email, name). */
export function assertStrongPassword(password: string, about: string[]): void {
  const lowered = password.toLowerCase();
  const personal = about
    .flatMap((text) => text.toLowerCase().split(/[^\p{L}\p{N}]+/u))
    .filter((word) => word.length >= MIN_PERSONAL_WORD);
  // Checked here, whole, since the estimate below sees only the password's first characters.
  const guessable =
    personal.some((word) => lowered.includes(word)) ||
    estimator.check(password.slice(0, ESTIMATED_LENGTH), about).score < MIN_SCORE;
  if (guessable) throw new AppError('WEAK_PASSWORD', undefined, { field: 'password' });
}
