/**
 * Inventory: a performance on sale — its settings (PerformanceRow), its tickets (one pre-generated row
 * per seat, TicketStatus), what they say (counts, sold out, sales to protect), its seating and prices,
 * the live availability bitset, and where its sale stands. The catalog creates and describes
 * performances, the queue lets buyers in, booking holds and sells seats: all three need this picture
 * of the sale, so it lives below them, and imports none of them (test/architecture.test.ts). Its SQL is
 * in ./repository.ts.
 */
import { AppError } from '../contract/errors.js';

export interface PerformanceRow {
  id: string;
  eventId: string;
  venueId: string;
  seatCount: number;
  startsAt: Date;
  salesOpenAt: Date;
  salesCloseAt: Date;
  /** Until when buyers may cancel for a refund (by default the start). */
  refundUntil: Date;
  holdTtlSeconds: number;
  maxTicketsPerUser: number;
  queueEnabled: boolean;
  prequeueMinutes: number;
  /** How the waiting room orders buyers: by arrival, or by the draw among registrants (decision 029). */
  queueMode: 'fifo' | 'lottery';
  admitPerSecond: number;
  maxActive: number;
  passTtlSeconds: number;
  /** The proof of work a join (or a lottery registration) must bring: about this many hashes; 0 = none. */
  challengeDifficulty: number;
  /** An organizer paused admission (the engine's flag follows this one; see AdmissionTicker). */
  queuePaused: boolean;
  /** When an organizer cancelled it (its sale window ended then); null while it goes ahead. */
  cancelledAt: Date | null;
  /** Grades sold only with an access code that unlocks them (decision 027). */
  codeOnlyGrades?: string[];
  /** How long a waiting list offer is held for its buyer (decision 028; 600 unless an organizer changed it). */
  waitlistClaimSeconds?: number;
}

export interface TicketCounts {
  available: number;
  held: number;
  sold: number;
  /** Never for sale (decision 033): blocked in the venue's layout, or by an organizer for this performance. */
  blocked: number;
}

export type SaleState = 'scheduled' | 'prequeue' | 'onsale' | 'soldout' | 'closed' | 'cancelled';

/** Where a performance's sale stands at `now`; `counts` (when known) tells a sold-out sale apart. */
export function saleStateOf(p: PerformanceRow, now: number, counts?: TicketCounts): SaleState {
  if (p.cancelledAt) return 'cancelled';
  if (now >= p.salesCloseAt.getTime()) return 'closed';
  // Sold out means every seat's ticket is sold (or blocked: never for sale): while tickets are still
  // being generated, none is available yet, but the sale is not over.
  if (now >= p.salesOpenAt.getTime())
    return counts && counts.sold > 0 && counts.sold + counts.blocked >= p.seatCount ? 'soldout' : 'onsale';
  const prequeueAt = p.salesOpenAt.getTime() - p.prequeueMinutes * 60_000;
  return p.queueEnabled && now >= prequeueAt ? 'prequeue' : 'scheduled';
}

/** The performance, or PERFORMANCE_NOT_FOUND for the client. */
export async function existingPerformance(
  inventory: { findPerformance(id: string): Promise<PerformanceRow | undefined> },
  id: string,
): Promise<PerformanceRow> {
  const found = await inventory.findPerformance(id);
  if (!found) throw new AppError('PERFORMANCE_NOT_FOUND', undefined, { id });
  return found;
}
