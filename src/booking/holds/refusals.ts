import { AppError } from '../../contract/errors.js';
import { rateLimited } from '../../engine/coordination/rate-limit.js';

/**
 * Why a hold request was refused. The service decides on these values (best-available picks again
 * around seats found taken; a retry under an Idempotency-Key gets its earlier hold); only its public
 * edge turns one into the HTTP error, with `holdError`.
 */
export type HoldRefusal =
  | { refused: 'sale-not-open'; opensAt: Date }
  | { refused: 'sale-closed'; performanceId: string }
  | { refused: 'seat-listed-twice'; seatNos: number[] }
  | { refused: 'invalid-seat'; seatNos: number[] }
  | { refused: 'unknown-grade'; grade: string }
  /** More seats asked for than one buyer may have. */
  | { refused: 'over-cap'; max: number; requested: number }
  /** The gate or PostgreSQL counted the buyer's seats already held or bought (`held`). */
  | { refused: 'limit'; max: number; held: number }
  | { refused: 'taken'; seatNos: number[] }
  /** Best-available found no run of the grade. */
  | { refused: 'none-left'; grade: string; quantity: number }
  /** The venue has no standing area of that name. */
  | { refused: 'unknown-area'; area: string }
  /** More places asked of a standing area than it has at all. */
  | { refused: 'over-capacity'; area: string; capacity: number; requested: number }
  /** Fewer places free in the standing area than asked for. */
  | { refused: 'none-left-standing'; area: string; quantity: number }
  | { refused: 'key-reused'; holdId: string }
  /** The request's code is unknown or used up, or it lacks one that opens a code-only grade (decision 027). */
  | {
      refused: 'code-invalid';
      reason: 'unknown' | 'used-up' | 'code-required' | 'grade-locked';
      grade?: string;
    }
  /** Too many hold requests from the buyer for the performance; the window resets in `retryAfterMs`. */
  | { refused: 'rate-limited'; retryAfterMs: number };

/** The HTTP error for a refusal (DESIGN.md's codes, as the API has always answered them). */
export function holdError(r: HoldRefusal): AppError {
  switch (r.refused) {
    case 'sale-not-open':
      return new AppError('SALE_NOT_OPEN', undefined, { opensAt: r.opensAt.toISOString() });
    case 'sale-closed':
      return new AppError('SALE_CLOSED', undefined, { performanceId: r.performanceId });
    case 'seat-listed-twice':
      return new AppError('VALIDATION_FAILED', 'A seat is listed twice.', { seatNos: r.seatNos });
    case 'invalid-seat':
      return new AppError('INVALID_SEAT', undefined, { seatNos: r.seatNos });
    case 'unknown-grade':
      return new AppError('UNKNOWN_GRADE_REQUESTED', undefined, { grade: r.grade });
    case 'over-cap':
      return new AppError('TICKET_LIMIT', undefined, { max: r.max, requested: r.requested });
    case 'limit':
      return new AppError('TICKET_LIMIT', undefined, { max: r.max, held: r.held });
    case 'taken':
      return new AppError('SEAT_UNAVAILABLE', undefined, { seatNos: r.seatNos });
    case 'none-left':
      return new AppError('SEAT_UNAVAILABLE', 'Not enough seats of this grade are left together or apart.', {
        grade: r.grade,
        quantity: r.quantity,
      });
    case 'unknown-area':
      return new AppError('UNKNOWN_AREA', undefined, { area: r.area });
    case 'over-capacity':
      return new AppError('OVER_CAPACITY', undefined, {
        area: r.area,
        capacity: r.capacity,
        requested: r.requested,
      });
    case 'none-left-standing':
      return new AppError('SEAT_UNAVAILABLE', 'Not enough places are left in this standing area.', {
        area: r.area,
        quantity: r.quantity,
      });
    case 'key-reused':
      return new AppError('IDEMPOTENCY_KEY_REUSED', undefined, { holdId: r.holdId });
    case 'code-invalid':
      return new AppError('CODE_INVALID', undefined, {
        reason: r.reason,
        ...(r.grade && { grade: r.grade }),
      });
    case 'rate-limited':
      return rateLimited(r.retryAfterMs);
  }
}
