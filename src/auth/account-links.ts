import { createHash, randomBytes } from 'node:crypto';
import { AppError } from '../contract/errors.js';
import type { Clock } from '../platform/clock.js';
import { hashPassword } from './passwords.js';
import { assertStrongPassword } from './password-policy.js';
import type { UserRepository } from './repository.js';
import type { Sessions } from './sessions.js';
import type { AccountTokenRepository, TokenPurpose } from './token-repository.js';

/** How a token reaches its account: by mail (src/mail implements it). */
export interface TokenMailer {
  sendToken(m: { userId: string; purpose: TokenPurpose; token: string }): Promise<void>;
}

const RESET_TTL_MS = 60 * 60_000;
const VERIFY_TTL_MS = 48 * 60 * 60_000;

const digest = (token: string) => createHash('sha256').update(token).digest();

/**
 * Links mailed to an account (issue 16): a password reset, and the proof of its address. Each link
 * carries a random token used once before it expires; the database keeps only its SHA-256.
 */
export class AccountLinks {
  constructor(
    private readonly deps: {
      users: UserRepository;
      tokens: AccountTokenRepository;
      mailer: TokenMailer;
      sessions?: Pick<Sessions, 'moved'>;
      clock: Clock;
    },
  ) {}

  /**
   * Mails a reset link when the account exists; says nothing either way, so that the answer does not
   * tell whoever asks which addresses have accounts.
   */
  async requestReset(email: string): Promise<void> {
    const user = await this.deps.users.findByEmail(email.trim().toLowerCase());
    if (user) await this.issue(user.id, 'password-reset', RESET_TTL_MS);
  }

  /** Sets a new password with a reset token; every session of the account ends. */
  async confirmReset(token: string, password: string): Promise<void> {
    const { users, tokens, sessions, clock } = this.deps;
    const now = new Date(clock.now());
    const hash = digest(token);
    // Checked before the token is used: a refused password must not cost the buyer their link.
    const userId = await tokens.peek(hash, 'password-reset', now);
    const user = userId === undefined ? undefined : await users.findById(userId);
    if (!user) throw new AppError('LINK_INVALID');
    assertStrongPassword(password, [user.email, user.name]);
    const reset = await tokens.resetPassword(hash, await hashPassword(password), now);
    if (!reset) throw new AppError('LINK_INVALID');
    await sessions?.moved(reset.userId, reset.version);
  }

  async verifyEmail(token: string): Promise<void> {
    if (!(await this.deps.tokens.verifyEmail(digest(token), new Date(this.deps.clock.now()))))
      throw new AppError('LINK_INVALID');
  }

  /** Mails a new account the link that proves its address. */
  async sendVerification(userId: string): Promise<void> {
    await this.issue(userId, 'verify-email', VERIFY_TTL_MS);
  }

  private async issue(userId: string, purpose: TokenPurpose, ttlMs: number): Promise<void> {
    const token = randomBytes(32).toString('base64url');
    await this.deps.tokens.insert({
      hash: digest(token),
      userId,
      purpose,
      expiresAt: new Date(this.deps.clock.now() + ttlMs),
    });
    await this.deps.mailer.sendToken({ userId, purpose, token });
  }
}
