import type { AccessCode } from '../../contract/codes.js';
import type { Db } from '../../platform/db.js';

/** A code as stored, before it is counted: what a hold needs to price and unlock seats. */
export interface CodeTerms {
  id: string;
  percentOff: number | null;
  amountOff: number | null;
  grades: string[];
}

export type NewCode = Omit<CodeTerms, 'id'> & { code: string; maxUses: number };

/**
 * A code's uses: its holds still live at `now` and the holds of its paid orders — the count
 * tmomi_place_holds decides on (decision 027).
 */
export const usedSql = (now: string) => `(SELECT count(*) FROM holds x WHERE x.code_id = c.id
  AND ((x.state = 'active' AND x.expires_at > ${now})
       OR (x.state = 'ordered' AND EXISTS (SELECT 1 FROM orders o WHERE o.hold_id = x.id AND o.status = 'paid'))))::int`;

const CODE = `c.id::text, c.code, c.max_uses AS "maxUses", c.discount_percent AS "percentOff",
  c.discount_amount AS "amountOff", c.grades, c.created_at AS "createdAt"`;

type CodeRow = Omit<AccessCode, 'createdAt'> & { createdAt: Date };

/** Access codes in PostgreSQL; their uses are decided by tmomi_place_holds, not here. */
export class AccessCodeRepository {
  constructor(private readonly db: Db) {}

  /** Inserts the codes the performance does not have yet; returns those inserted. */
  async insert(performanceId: string, codes: NewCode[]): Promise<CodeRow[]> {
    const { rows } = await this.db.query<CodeRow>(
      `WITH c AS (
         INSERT INTO access_codes (performance_id, code, max_uses, discount_percent, discount_amount, grades)
         SELECT $1, x.code, x.max_uses, x.pct, x.amt, $6::text[]
         FROM unnest($2::text[], $3::int[], $4::smallint[], $5::int[]) AS x (code, max_uses, pct, amt)
         ON CONFLICT (performance_id, code) DO NOTHING
         RETURNING *)
       SELECT ${CODE}, 0 AS used FROM c ORDER BY c.id`,
      [
        performanceId,
        codes.map((c) => c.code),
        codes.map((c) => c.maxUses),
        codes.map((c) => c.percentOff),
        codes.map((c) => c.amountOff),
        codes[0]?.grades ?? [],
      ],
    );
    return rows;
  }

  async list(performanceId: string, now: Date): Promise<CodeRow[]> {
    const { rows } = await this.db.query<CodeRow>(
      `SELECT ${CODE}, ${usedSql('$2')} AS used FROM access_codes c WHERE c.performance_id = $1 ORDER BY c.id`,
      [performanceId, now],
    );
    return rows;
  }

  /**
   * A code's uses in all, changed: its row lock is the one tmomi_place_holds counts uses under, so a
   * hold being placed sees the old number or the new one, never a mix. Undefined: no such code.
   */
  async setMaxUses(
    performanceId: string,
    code: string,
    maxUses: number,
    now: Date,
  ): Promise<CodeRow | undefined> {
    const { rows } = await this.db.query<CodeRow>(
      `UPDATE access_codes c SET max_uses = $3 WHERE c.performance_id = $1 AND c.code = $2
       RETURNING ${CODE}, ${usedSql('$4')} AS used`,
      [performanceId, code, maxUses, now],
    );
    return rows[0];
  }

  /** The code as a buyer typed it (upper-cased), for this performance only. */
  async find(performanceId: string, code: string): Promise<CodeTerms | undefined> {
    const { rows } = await this.db.query<CodeTerms>(
      `SELECT id::text, discount_percent AS "percentOff", discount_amount AS "amountOff", grades
       FROM access_codes WHERE performance_id = $1 AND code = $2`,
      [performanceId, code],
    );
    return rows[0];
  }

  async setCodeOnlyGrades(performanceId: string, grades: string[]): Promise<void> {
    await this.db.query('UPDATE performances SET code_only_grades = $2 WHERE id = $1', [
      performanceId,
      grades,
    ]);
  }
}
