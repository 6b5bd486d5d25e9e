import { AppError } from '../../contract/errors.js';
import { TicketStatus } from '../../inventory/ticket-status.js';
import { Batcher, inRounds, unwrap, type RoundResult } from '../../platform/batcher.js';
import type { Db } from '../../platform/db.js';
import { DEADLOCK, dbBatching, sqlState, type BatchedRepositoryOptions } from '../sql.js';
import type { WaitlistOffer } from '../waitlist/offers.js';

export type HoldState = 'active' | 'released' | 'expired' | 'ordered';

export interface HoldRow {
  id: string;
  userId: string;
  performanceId: string;
  seatNos: number[];
  amount: number;
  currency: string;
  expiresAt: Date;
  state: HoldState;
  passId: string | null;
}

/** Raised by tmomi_place_holds when its guarded update misses a seat (it never should: see its file). */
const SEAT_TAKEN = 'TM001';
const FOREIGN_KEY_VIOLATION = '23503';

const HOLD = `id::text, user_id::text AS "userId", performance_id::text AS "performanceId", seat_nos AS "seatNos",
  amount, currency, expires_at AS "expiresAt", state, pass_id::text AS "passId"`;

/** A hold to place: as it will be stored, with the instant it is decided at and the buyer's cap. */
export type NewHold = Pick<
  HoldRow,
  'id' | 'userId' | 'performanceId' | 'seatNos' | 'amount' | 'currency' | 'expiresAt'
> & {
  /** Each seat's price, beside seatNos: what its ticket will say it cost. */
  seatPrices: number[];
  now: Date;
  cap: number;
  passId: number | null;
  /** The request's Idempotency-Key: one hold per buyer, performance and key (migration 0007). */
  requestKey: string | null;
  /** The access code the hold uses one of (decision 027), or null. */
  codeId?: string | null;
};

/**
 * held · taken: these seats cannot be taken now · limit: the buyer already has `count` seats ·
 * refused: the guarded update missed a seat, or the hold's transaction was a deadlock victim, so which
 * seats are taken is not known (ask `unavailableSeats`).
 */
export type PlaceOutcome =
  | { outcome: 'held' }
  | { outcome: 'taken'; seatNos: number[] }
  | { outcome: 'limit'; count: number }
  /** The hold's access code has no use left. */
  | { outcome: 'code-spent' }
  | { outcome: 'refused' };

/** Holds in PostgreSQL: placing them (batched), finding, releasing and expiring them. */
export class HoldRepository {
  private readonly db: Db;
  private readonly batches: Batcher<NewHold, RoundResult<PlaceOutcome | 'gone'>>;

  constructor({ db, metrics }: BatchedRepositoryOptions) {
    this.db = db;
    // A round never has two holds of one buyer or for one seat (tmomi_place_holds decides a round at once).
    this.batches = new Batcher(
      (holds) =>
        inRounds(
          holds,
          (h) => [`u${h.performanceId}:${h.userId}`, ...h.seatNos.map((s) => `s${h.performanceId}:${s}`)],
          (round) => this.placeRound(round),
        ),
      dbBatching('place', metrics),
    );
  }

  private async placeRound(holds: NewHold[]): Promise<(PlaceOutcome | 'gone')[]> {
    const { rows } = await this.db.query<{ outcome: number; detail: number[] | null }>(
      'SELECT outcome, detail FROM tmomi_place_holds($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)',
      [
        holds.map((h) => h.id),
        holds.map((h) => h.userId),
        holds.map((h) => h.performanceId),
        holds.map((h) => h.seatNos.length),
        holds.flatMap((h) => h.seatNos),
        holds.map((h) => h.amount),
        holds.map((h) => h.currency),
        holds.map((h) => h.expiresAt),
        holds.map((h) => h.now),
        holds.map((h) => h.cap),
        holds.map((h) => h.passId),
        holds.map((h) => h.requestKey),
        holds.flatMap((h) => h.seatPrices),
        // Null unless a hold has a code: the function then skips the codes altogether.
        holds.some((h) => h.codeId) ? holds.map((h) => h.codeId ?? null) : null,
      ],
    );
    return rows.map(({ outcome, detail }): PlaceOutcome | 'gone' => {
      if (outcome === 1) return { outcome: 'held' };
      if (outcome === 2) return { outcome: 'limit', count: detail![0]! };
      if (outcome === 3) return 'gone';
      if (outcome === 4) return { outcome: 'code-spent' };
      return { outcome: 'taken', seatNos: detail! };
    });
  }

  /**
   * Cap check, hold row and the guarded ticket flip (tmomi_place_holds), batched with the other holds
   * this node is placing at the same moment: one round trip and one commit for all of them, each with
   * its own outcome.
   */
  async placeHold(hold: NewHold): Promise<PlaceOutcome> {
    let placed: PlaceOutcome | 'gone';
    try {
      placed = unwrap(await this.batches.call(hold));
    } catch (err) {
      const code = sqlState(err);
      // The account was deleted while its hold was being placed (after the function looked for it).
      if (
        code === FOREIGN_KEY_VIOLATION &&
        (err as { constraint?: string }).constraint === 'holds_user_id_fkey'
      )
        throw new AppError('SESSION_ENDED');
      if (code !== SEAT_TAKEN && code !== DEADLOCK) throw err;
      return { outcome: 'refused' };
    }
    // The buyer's account was deleted after the token's session was last checked (Sessions).
    if (placed === 'gone') throw new AppError('SESSION_ENDED');
    return placed;
  }

  /** Which of these seats cannot be taken now (to tell a buyer precisely after a refused hold). */
  async unavailableSeats(performanceId: string, seatNos: number[], now: Date): Promise<number[]> {
    const { Sold, Held, Blocked } = TicketStatus;
    const { rows } = await this.db.query<{ seatNo: number }>(
      `SELECT seat_no AS "seatNo" FROM tickets
       WHERE performance_id = $1 AND seat_no = ANY ($2)
         AND (status IN (${Sold}, ${Blocked}) OR (status = ${Held} AND held_until > $3))
       ORDER BY seat_no`,
      [performanceId, seatNos, now],
    );
    return rows.map((r) => r.seatNo);
  }

  async findHold(id: string): Promise<HoldRow | undefined> {
    const { rows } = await this.db.query<HoldRow>(`SELECT ${HOLD} FROM holds WHERE id = $1`, [id]);
    return rows[0];
  }

  /** The hold a buyer's request with this Idempotency-Key made for the performance, whatever its state. */
  async findHoldByKey(userId: string, performanceId: string, key: string): Promise<HoldRow | undefined> {
    const { rows } = await this.db.query<HoldRow>(
      `SELECT ${HOLD} FROM holds WHERE user_id = $1 AND performance_id = $2 AND request_key = $3`,
      [userId, performanceId, key],
    );
    return rows[0];
  }

  /**
   * Releases an active hold of this buyer: its seats (those it still holds) back — to the waiting
   * list's offers first, the rest available (tmomi_release_hold). Returns the hold as released with
   * those offers, or undefined when there is no such active hold.
   */
  async releaseHold(
    id: string,
    userId: string,
    now: Date,
  ): Promise<(HoldRow & { offers: WaitlistOffer[] }) | undefined> {
    const { rows } = await this.db.query<HoldRow & { offers: WaitlistOffer[] }>(
      `SELECT ${HOLD}, offers FROM (SELECT (r.released).*, r.offers FROM tmomi_release_hold($1, $2, $3) AS r) AS r`,
      [id, userId, now],
    );
    return rows[0];
  }

  /**
   * The sweeper's batch (tmomi_expire_holds): up to `limit` holds that expired by `now` become expired
   * and the seats they still hold come back: to the waiting list's offers first, the rest free (a seat
   * taken over in place by a newer hold is left alone). Returns the holds, the seats freed to open sale
   * and the offers made.
   */
  async expireHolds(
    now: Date,
    limit: number,
  ): Promise<{
    holds: HoldRow[];
    freed: { performanceId: string; seatNo: number }[];
    offers: { performanceId: string; offers: WaitlistOffer[] }[];
  }> {
    const { rows: holds } = await this.db.query<HoldRow & { freed: number[]; offers: WaitlistOffer[] }>(
      `SELECT ${HOLD}, freed, offers
       FROM (SELECT (e.expired).*, e.freed, e.offers FROM tmomi_expire_holds($1, $2) AS e) AS e`,
      [now, limit],
    );
    const freed = holds.flatMap((h) => h.freed.map((seatNo) => ({ performanceId: h.performanceId, seatNo })));
    const offers = holds
      .filter((h) => h.offers.length > 0)
      .map((h) => ({ performanceId: h.performanceId, offers: h.offers }));
    return { holds, freed, offers };
  }
}
