import type { Db } from '../platform/db.js';

export type TokenPurpose = 'password-reset' | 'verify-email';

/** Single-use tokens mailed to an account, kept as their SHA-256 only (migration 0013). */
export class AccountTokenRepository {
  constructor(private readonly db: Db) {}

  async insert(t: { hash: Buffer; userId: string; purpose: TokenPurpose; expiresAt: Date }): Promise<void> {
    await this.db.query(
      'INSERT INTO auth_tokens (token_hash, user_id, purpose, expires_at) VALUES ($1, $2, $3, $4)',
      [t.hash, t.userId, t.purpose, t.expiresAt],
    );
  }

  /** The account a live, unused token belongs to, without using it up. */
  async peek(hash: Buffer, purpose: TokenPurpose, now: Date): Promise<string | undefined> {
    const { rows } = await this.db.query<{ userId: string }>(
      `SELECT user_id::text AS "userId" FROM auth_tokens
       WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3`,
      [hash, purpose, now],
    );
    return rows[0]?.userId;
  }

  /**
   * Uses a reset token and sets the new password in one statement: the token is used once even when
   * two requests race, and every other reset token of the account dies with it. The users trigger moves
   * the session version on (migration 0011): every session of the account ends. Returns the new session
   * version, or undefined when the token was not live.
   */
  async resetPassword(
    hash: Buffer,
    passwordHash: string,
    now: Date,
  ): Promise<{ userId: string; version: number } | undefined> {
    const { rows } = await this.db.query<{ userId: string; version: number }>(
      `WITH used AS (
         UPDATE auth_tokens SET used_at = $3
         WHERE token_hash = $1 AND purpose = 'password-reset' AND used_at IS NULL AND expires_at > $3
         RETURNING user_id
       ), others AS (
         UPDATE auth_tokens SET used_at = $3
         WHERE user_id IN (SELECT user_id FROM used) AND purpose = 'password-reset' AND used_at IS NULL
           AND token_hash <> $1
       )
       UPDATE users SET password_hash = $2, email_verified_at = coalesce(email_verified_at, $3)
       WHERE id IN (SELECT user_id FROM used)
       RETURNING id::text AS "userId", session_version AS version`,
      [hash, passwordHash, now],
    );
    return rows[0];
  }

  /** Uses a verification token and marks the address proven; false when the token was not live. */
  async verifyEmail(hash: Buffer, now: Date): Promise<boolean> {
    const { rowCount } = await this.db.query(
      `WITH used AS (
         UPDATE auth_tokens SET used_at = $2
         WHERE token_hash = $1 AND purpose = 'verify-email' AND used_at IS NULL AND expires_at > $2
         RETURNING user_id
       )
       UPDATE users SET email_verified_at = coalesce(email_verified_at, $2) WHERE id IN (SELECT user_id FROM used)`,
      [hash, now],
    );
    return rowCount === 1;
  }
}
