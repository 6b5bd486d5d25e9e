import type { Db } from '../platform/db.js';

export type Role = 'user' | 'admin';

export interface UserRow {
  id: string;
  email: string;
  name: string;
  role: Role;
  passwordHash: string;
  createdAt: Date;
}

const COLUMNS = `id::text, email, name, role, password_hash AS "passwordHash", created_at AS "createdAt"`;

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
  }): Promise<UserRow | undefined> {
    const { rows } = await this.db.query<UserRow>(
      `INSERT INTO users (email, name, password_hash, role) VALUES ($1, $2, $3, $4)
       ON CONFLICT (email) DO NOTHING
       RETURNING ${COLUMNS}`,
      [user.email, user.name, user.passwordHash, user.role],
    );
    return rows[0];
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
