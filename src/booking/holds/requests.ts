import type { PerformanceRow } from '../../inventory/performance.js';
import type { Seating } from '../../inventory/seating.js';
import { lockedOut, type Access } from '../access/terms.js';
import { PICK_ATTEMPTS, STANDING_ATTEMPTS } from './picking.js';
import type { HoldRefusal } from './refusals.js';

/** Seats named, the best of a grade, or places of a standing area (by its name), with an access code perhaps. */
export type HoldRequest = (
  { seatNos: number[] } | { grade: string; quantity: number } | { area: string; quantity: number }
) & { code?: string };

/**
 * What a request asks for, once checked: the seats it names, or how to pick them from the seat map;
 * and `fits`, whether a hold made earlier under its Idempotency-Key answers it (the same seats, or as
 * many of the grade or the area).
 */
export type Asked = { fits: (held: number[]) => boolean } & (
  | { seatNos: number[] }
  | {
      pick: (available: Uint8Array, attempt: number) => number[] | null;
      /** How many picks before a refusal stands (picking.ts). */
      attempts: number;
      /** The refusal when too few are left. */
      noneLeft: HoldRefusal;
    }
);

/**
 * A request checked against the performance's seating, its access code's terms and the per-buyer cap:
 * what it asks for, or why it is refused before the gate, PostgreSQL or a pick (a seat twice, a seat the
 * venue lacks or never sells, an unknown grade or area, more places than an area has, a grade its code
 * does not open, more seats than one buyer may have).
 */
export function askedFor(
  request: HoldRequest,
  { perf, seating, access }: { perf: PerformanceRow; seating: Seating; access: Access },
): Asked | HoldRefusal {
  const cap = (quantity: number): HoldRefusal | undefined =>
    quantity > perf.maxTicketsPerUser
      ? { refused: 'over-cap', max: perf.maxTicketsPerUser, requested: quantity }
      : undefined;

  if ('seatNos' in request) {
    const requested = request.seatNos;
    const seatNos = [...new Set(requested)].sort((a, b) => a - b);
    if (seatNos.length !== requested.length) return { refused: 'seat-listed-twice', seatNos: requested };
    const invalid = seatNos.filter((s) => s >= seating.seatCount);
    if (invalid.length > 0) return { refused: 'invalid-seat', seatNos: invalid };
    // Never for sale: refused here as taken, without the gate or PostgreSQL (which would refuse it too).
    const blocked = seatNos.filter((s) => seating.isBlocked(s));
    if (blocked.length > 0) return { refused: 'taken', seatNos: blocked };
    const locked = seatNos.map((s) => seating.gradeOf(s) ?? '').find((g) => access.locked(g));
    if (locked !== undefined) return lockedOut(access, locked);
    const fits = (held: number[]) => held.length === seatNos.length && held.every((s, i) => s === seatNos[i]);
    return cap(seatNos.length) ?? { seatNos, fits };
  }

  const { quantity } = request;
  if ('area' in request) {
    // A standing ticket is a seat number like any other (decision 033): any free places of the area.
    const area = seating.area(request.area);
    if (!area) return { refused: 'unknown-area', area: request.area };
    if (quantity > area.capacity)
      return { refused: 'over-capacity', area: area.name, capacity: area.capacity, requested: quantity };
    if (access.locked(area.grade)) return lockedOut(access, area.grade);
    const inArea = (s: number) => s >= area.firstSeatNo && s < area.firstSeatNo + area.capacity;
    return (
      cap(quantity) ?? {
        pick: (available) => seating.anyPlaces(available, area, quantity),
        attempts: STANDING_ATTEMPTS,
        noneLeft: { refused: 'none-left-standing', area: area.name, quantity },
        fits: (held) => held.length === quantity && held.every(inArea),
      }
    );
  }

  const { grade } = request;
  if (!seating.prices.has(grade)) return { refused: 'unknown-grade', grade };
  if (access.locked(grade)) return lockedOut(access, grade);
  return (
    cap(quantity) ?? {
      pick: (available, attempt) => seating.bestAvailable(available, grade, quantity, attempt),
      attempts: seating.sellsSeats(grade) ? PICK_ATTEMPTS : STANDING_ATTEMPTS,
      noneLeft: { refused: 'none-left', grade, quantity },
      fits: (held) => held.length === quantity && held.every((s) => seating.gradeOf(s) === grade),
    }
  );
}
