import { randomUUID } from 'node:crypto';
import type { AccessClaims } from '../auth/service.js';
import type { Db } from '../platform/db.js';
import { systemClock } from '../platform/clock.js';
import { TokenKind } from '../platform/tokens.js';

/**
 * Many buyers at once for load tests: inserted in one statement with an unusable password hash (nobody
 * logs in as them) and given access tokens signed with `secret` — signing up ten thousand
 * buyers through scrypt would take minutes and test nothing new.
 */
export async function bulkBuyers(
  db: Db,
  count: number,
  secret: string,
): Promise<{ id: string; headers: { authorization: string } }[]> {
  const tag = randomUUID().slice(0, 8);
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO users (email, name, password_hash)
     SELECT 'load-' || $1 || '-' || g || '@example.com', 'Load buyer ' || g, '!'
     FROM generate_series(1, $2::int) AS g RETURNING id::text`,
    [tag, count],
  );
  const tokens = new TokenKind<AccessClaims>(secret, 'access', systemClock);
  return rows.map(({ id }) => ({
    id,
    headers: { authorization: `Bearer ${tokens.issue({ sub: id, role: 'user' }, 3600).token}` },
  }));
}
