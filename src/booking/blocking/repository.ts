import { TicketStatus } from '../../inventory/ticket-status.js';
import type { Db } from '../../platform/db.js';
import type { WaitlistOffer } from '../waitlist/offers.js';

export type BlockOutcome =
  | { outcome: 'blocked'; blocked: number[] }
  | { outcome: 'taken'; held: number[]; sold: number[] }
  | { outcome: 'missing'; seatNos: number[] };

export type ReleaseOutcome =
  | { outcome: 'released'; released: number[]; offers: WaitlistOffer[] }
  | { outcome: 'layout'; seatNos: number[] };

/** Blocked seats in PostgreSQL: each change one call of its function in db/functions (decision 033). */
export class BlockingRepository {
  constructor(private readonly db: Db) {}

  /** Blocks the seats, all or none (tmomi_block_seats): refused naming the held and sold ones. */
  async block(performanceId: string, seatNos: number[], now: Date): Promise<BlockOutcome> {
    const { rows } = await this.db.query<{ r: BlockOutcome }>('SELECT tmomi_block_seats($1, $2, $3) AS r', [
      performanceId,
      seatNos,
      now,
    ]);
    return rows[0]!.r;
  }

  /** Releases the blocked ones among the seats, to the waiting list first (tmomi_release_seats). */
  async release(performanceId: string, seatNos: number[], now: Date): Promise<ReleaseOutcome> {
    const { rows } = await this.db.query<{ r: ReleaseOutcome }>(
      'SELECT tmomi_release_seats($1, $2, $3) AS r',
      [performanceId, seatNos, now],
    );
    return rows[0]!.r;
  }

  /** The performance's blocked tickets (the partial index tickets_blocked), ascending. */
  async blocked(performanceId: string): Promise<number[]> {
    const { rows } = await this.db.query<{ seats: number[] }>(
      `SELECT coalesce(array_agg(seat_no ORDER BY seat_no), '{}') AS seats FROM tickets
       WHERE performance_id = $1 AND status = ${TicketStatus.Blocked}`,
      [performanceId],
    );
    return rows[0]!.seats;
  }
}
