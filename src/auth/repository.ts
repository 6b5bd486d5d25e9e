import type { Db } from '../platform/db.js';

export type Role = 'user' | 'admin';

export interface UserRow {
  id: string;
  email: string;
  name: string;
  role: Role;
  passwordHash: string;
  /** Moved on by logout and by any change of role or password (migration 0011): older tokens are refused. */
  sessionVersion: number;
  /** The TOTP secret, sealed (src/auth/totp.ts): two-factor login is on when set. */
  totpSecret: string | null;
  /** A TOTP secret being set up, sealed, until a first code confirms it. */
  totpPending: string | null;
  /** The language of the account's mail (migration 0013). */
  locale: 'ko' | 'en';
  emailVerifiedAt: Date | null;
  createdAt: Date;
}

const COLUMNS = `id::text, email, name, role, password_hash AS "passwordHash",
  session_version AS "sessionVersion", totp_secret AS "totpSecret", totp_pending AS "totpPending",
  locale, email_verified_at AS "emailVerifiedAt", created_at AS "createdAt"`;

export class UserRepository {
  constructor(private readonly db: Db) {}

  async findByEmail(email: string): Promise<UserRow | undefined> {
    const { rows } = await this.db.query<UserRow>(`SELECT ${COLUMNS} FROM users WHERE email = $1`, [email]);
    return rows[0];
  }

  async findById(id: string): Promise<UserRow | undefined> {
    const { rows } = await this.db.query<UserRow>(`SELECT ${COLUMNS} FROM users WHERE id = $1`, [id]);
    return rows[0];
  }

  /** Undefined when the email is taken: the unique constraint decides, so two racing signups cannot both win. */
  async insert(user: {
    email: string;
    name: string;
    passwordHash: string;
    role: Role;
    locale?: 'ko' | 'en';
  }): Promise<UserRow | undefined> {
    const { rows } = await this.db.query<UserRow>(
      `INSERT INTO users (email, name, password_hash, role, locale) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (email) DO NOTHING
       RETURNING ${COLUMNS}`,
      [user.email, user.name, user.passwordHash, user.role, user.locale ?? 'en'],
    );
    return rows[0];
  }

  /** The users' session versions, in the order asked; null for a user that no longer exists. */
  async sessionVersions(ids: string[]): Promise<(number | null)[]> {
    const { rows } = await this.db.query<{ id: string; version: number }>(
      'SELECT id::text, session_version AS version FROM users WHERE id = ANY ($1::bigint[])',
      [ids],
    );
    const found = new Map(rows.map((r) => [r.id, r.version]));
    return ids.map((id) => found.get(id) ?? null);
  }

  /** Ends every session of the user: its new session version, or null when the user does not exist. */
  async endSessions(id: string): Promise<number | null> {
    const { rows } = await this.db.query<{ version: number }>(
      'UPDATE users SET session_version = session_version + 1 WHERE id = $1 RETURNING session_version AS version',
      [id],
    );
    return rows[0]?.version ?? null;
  }

  /** A new password hash (the trigger moves the session version on); undefined when the user is gone. */
  async setPassword(id: string, passwordHash: string): Promise<UserRow | undefined> {
    const { rows } = await this.db.query<UserRow>(
      `UPDATE users SET password_hash = $2 WHERE id = $1 RETURNING ${COLUMNS}`,
      [id, passwordHash],
    );
    return rows[0];
  }

  async setTotpPending(id: string, sealed: string): Promise<void> {
    await this.db.query('UPDATE users SET totp_pending = $2 WHERE id = $1', [id, sealed]);
  }

  /** Turns on the pending secret (if it is still `sealed`), with the step its first code used. */
  async enableTotp(id: string, sealed: string, step: number, recovery: string[]): Promise<boolean> {
    const { rowCount } = await this.db.query(
      `UPDATE users SET totp_secret = totp_pending, totp_pending = NULL, totp_last_step = $3, totp_recovery = $4
       WHERE id = $1 AND totp_pending = $2`,
      [id, sealed, step, recovery],
    );
    return rowCount === 1;
  }

  async disableTotp(id: string): Promise<void> {
    await this.db.query(
      `UPDATE users SET totp_secret = NULL, totp_pending = NULL, totp_last_step = NULL, totp_recovery = '{}'
       WHERE id = $1`,
      [id],
    );
  }

  /** Accepts a code's step once: false if this step, or a later one, was used already. */
  async useTotpStep(id: string, step: number): Promise<boolean> {
    const { rowCount } = await this.db.query(
      `UPDATE users SET totp_last_step = $2 WHERE id = $1 AND (totp_last_step IS NULL OR totp_last_step < $2)`,
      [id, step],
    );
    return rowCount === 1;
  }

  /** Uses up a recovery code (by its digest); false if the account has no such unused code. */
  async useRecoveryCode(id: string, digest: string): Promise<boolean> {
    const { rowCount } = await this.db.query(
      `UPDATE users SET totp_recovery = array_remove(totp_recovery, $2) WHERE id = $1 AND $2 = ANY (totp_recovery)`,
      [id, digest],
    );
    return rowCount === 1;
  }

  /** Keyset pagination by id: stable while users sign up, and no OFFSET scans. */
  async list(opts: { after?: string; limit: number }): Promise<UserRow[]> {
    const { rows } = await this.db.query<UserRow>(
      `SELECT ${COLUMNS} FROM users WHERE id > $1 ORDER BY users.id LIMIT $2`,
      [opts.after ?? '0', opts.limit],
    );
    return rows;
  }

  /** Creates the admin, or makes the existing account an admin with this password. */
  async upsertAdmin(user: { email: string; name: string; passwordHash: string }): Promise<UserRow> {
    const { rows } = await this.db.query<UserRow>(
      `INSERT INTO users (email, name, password_hash, role) VALUES ($1, $2, $3, 'admin')
       ON CONFLICT (email) DO UPDATE SET role = 'admin', password_hash = EXCLUDED.password_hash
       RETURNING ${COLUMNS}`,
      [user.email, user.name, user.passwordHash],
    );
    return rows[0]!;
  }
}
