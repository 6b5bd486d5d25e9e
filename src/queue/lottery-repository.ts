import { inTransaction, type Db, type DbClient } from '../platform/db.js';
import { draw, type Draw } from './fairness.js';

/** A performance's fairness record (migration 0023). */
export interface FairnessRow {
  seed: Buffer;
  committedAt: Date;
  drawnAt: Date | null;
  entries: string[] | null;
  listHash: string | null;
}

export type Registered = { outcome: 'registered'; registeredAt: Date } | { outcome: 'drawn' };

/** Lottery registrations and the draw's record (a lottery's, or a fifo room's pre-queue's), in PostgreSQL. */
export class LotteryRepository {
  constructor(private readonly db: Db) {}

  /**
   * The record, made now if the performance has none (performances are made with one; a row inserted
   * by hand, in a test, is not). Undefined when the performance does not exist.
   */
  async fairness(performanceId: string): Promise<FairnessRow | undefined> {
    const read = () =>
      this.db.query<FairnessRow>(
        `SELECT seed, committed_at AS "committedAt", drawn_at AS "drawnAt", entries, list_hash AS "listHash"
         FROM performance_fairness WHERE performance_id = $1`,
        [performanceId],
      );
    const { rows } = await read();
    if (rows[0]) return rows[0];
    await this.db.query(
      `INSERT INTO performance_fairness (performance_id) SELECT id FROM performances WHERE id = $1
       ON CONFLICT DO NOTHING`,
      [performanceId],
    );
    return (await read()).rows[0];
  }

  /**
   * Registers once (a repeat returns the first registration), unless the draw has been made: the
   * record's row is read under a share lock, which the draw's update waits for, so no registration
   * can commit after the draw has read the list.
   */
  async register(performanceId: string, userId: string): Promise<Registered> {
    await this.fairness(performanceId);
    return inTransaction(this.db, async (client) => {
      const { rows } = await client.query<{ drawn: boolean }>(
        `SELECT drawn_at IS NOT NULL AS drawn FROM performance_fairness WHERE performance_id = $1 FOR SHARE`,
        [performanceId],
      );
      if (rows[0]?.drawn !== false) return { outcome: 'drawn' };
      const { rows: added } = await client.query<{ registeredAt: Date }>(
        `INSERT INTO lottery_registrations (performance_id, user_id) VALUES ($1, $2)
         ON CONFLICT DO NOTHING RETURNING registered_at AS "registeredAt"`,
        [performanceId, userId],
      );
      if (added[0]) return { outcome: 'registered', registeredAt: added[0].registeredAt };
      // A repeat: read in a statement of its own, whose snapshot sees a concurrent first registration
      // that the insert above waited for (the insert's own snapshot was taken before it committed).
      const { rows: first } = await client.query<{ registeredAt: Date }>(
        `SELECT registered_at AS "registeredAt" FROM lottery_registrations WHERE performance_id = $1 AND user_id = $2`,
        [performanceId, userId],
      );
      return { outcome: 'registered', registeredAt: first[0]!.registeredAt };
    });
  }

  /**
   * Makes the draw, once: under the record's lock, the registrations are ordered (fairness.ts), each
   * gets its place, and the record its entries and list hash. A second call (another leader, a retry
   * after the engine failed) reads the order already made. Returns the user ids in drawn order.
   */
  async draw(performanceId: string, at: Date): Promise<string[]> {
    await this.fairness(performanceId);
    return inTransaction(this.db, async (client) => {
      const { rows } = await client.query<{ seed: Buffer; drawn: boolean }>(
        `SELECT seed, drawn_at IS NOT NULL AS drawn FROM performance_fairness WHERE performance_id = $1 FOR UPDATE`,
        [performanceId],
      );
      if (rows[0]!.drawn) {
        const { rows: placed } = await client.query<{ userId: string }>(
          `SELECT user_id::text AS "userId" FROM lottery_registrations
           WHERE performance_id = $1 AND place IS NOT NULL ORDER BY place`,
          [performanceId],
        );
        return placed.map((r) => r.userId);
      }
      const { rows: registrants } = await client.query<{ userId: string }>(
        `SELECT user_id::text AS "userId" FROM lottery_registrations WHERE performance_id = $1`,
        [performanceId],
      );
      const made: Draw = draw(
        rows[0]!.seed,
        registrants.map((r) => r.userId),
      );
      await client.query(
        `UPDATE lottery_registrations r SET place = d.place
         FROM unnest($2::bigint[]) WITH ORDINALITY AS d(user_id, place)
         WHERE r.performance_id = $1 AND r.user_id = d.user_id`,
        [performanceId, made.userIds],
      );
      await client.query(
        `UPDATE performance_fairness SET drawn_at = $2, entries = $3, list_hash = $4 WHERE performance_id = $1`,
        [performanceId, at, made.entries, made.listHash],
      );
      return made.userIds;
    });
  }

  /**
   * A fifo room's pre-queue drawn, once (decision 031): `sealed` seals the engine's pre-queue and reads
   * its users; under the record's lock they are ordered (fairness.ts), and the record gets its entries,
   * its list hash and the ids in drawn order. A call after the draw (another node, a retry after the
   * engine failed to place it) returns that order, and seals nothing: its read would be too late to
   * matter, and the list too long to read for nothing. Returns the user ids in drawn order.
   */
  async drawPrequeue(performanceId: string, at: Date, sealed: () => Promise<string[]>): Promise<string[]> {
    const made = async (client: Db | DbClient) => {
      const { rows } = await client.query<{ order: string[] }>(
        `SELECT prequeue_order::text[] AS "order" FROM performance_fairness WHERE performance_id = $1`,
        [performanceId],
      );
      return rows[0]?.order ?? [];
    };
    if ((await this.fairness(performanceId))?.drawnAt) return made(this.db);
    // Sealed before the lock: every call that reads after a seal reads the same users (less any who
    // left since), and whichever commits first is the draw.
    const users = await sealed();
    return inTransaction(this.db, async (client) => {
      const { rows } = await client.query<{ seed: Buffer; drawn: boolean }>(
        `SELECT seed, drawn_at IS NOT NULL AS drawn FROM performance_fairness WHERE performance_id = $1 FOR UPDATE`,
        [performanceId],
      );
      if (rows[0]!.drawn) return made(client);
      const drawn: Draw = draw(rows[0]!.seed, users);
      await client.query(
        `UPDATE performance_fairness SET drawn_at = $2, entries = $3, list_hash = $4, prequeue_order = $5
         WHERE performance_id = $1`,
        [performanceId, at, drawn.entries, drawn.listHash, drawn.userIds],
      );
      return drawn.userIds;
    });
  }

  /** The caller's registration and, after the draw, their place. */
  async registration(
    performanceId: string,
    userId: string,
  ): Promise<{ registeredAt: Date; place: number | null } | undefined> {
    const { rows } = await this.db.query<{ registeredAt: Date; place: number | null }>(
      `SELECT registered_at AS "registeredAt", place FROM lottery_registrations
       WHERE performance_id = $1 AND user_id = $2`,
      [performanceId, userId],
    );
    return rows[0];
  }
}
