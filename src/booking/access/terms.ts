import type { PerformanceRow } from '../../inventory/performance.js';
import type { Seating } from '../../inventory/seating.js';
import type { HoldRefusal } from '../holds/refusals.js';
import type { CodeTerms } from './repository.js';

/** What a hold request may take and at what price: with its code's terms, or the public ones. */
export interface Access {
  /** The code's id, or null when the request has none. */
  codeId: string | null;
  /** A seat's price per ticket after the code's discount. */
  priceOf(seatNo: number): number;
  /** Whether the grade is sold only with a code this request lacks. */
  locked(grade: string): boolean;
}

/** A price less a percent (rounded to the currency's unit) or an amount (never below zero). */
export function discounted(price: number, terms: Pick<CodeTerms, 'percentOff' | 'amountOff'>): number {
  if (terms.percentOff !== null) return Math.round((price * (100 - terms.percentOff)) / 100);
  if (terms.amountOff !== null) return Math.max(0, price - terms.amountOff);
  return price;
}

/** The public terms: no code, list prices, code-only grades locked. Costs no round trip. */
export function publicAccess(perf: PerformanceRow, seating: Seating): Access {
  const hidden = perf.codeOnlyGrades ?? [];
  return { codeId: null, priceOf: (s) => seating.priceOf(s), locked: (g) => hidden.includes(g) };
}

/** A code's terms: its discount, and the code-only grades it unlocks. */
export function codeAccess(perf: PerformanceRow, seating: Seating, terms: CodeTerms): Access {
  const hidden = perf.codeOnlyGrades ?? [];
  return {
    codeId: terms.id,
    priceOf: (s) => discounted(seating.priceOf(s), terms),
    locked: (g) => hidden.includes(g) && !terms.grades.includes(g),
  };
}

/** The refusal of a request whose code does not open `grade`'s seats (or that has none). */
export function lockedOut(access: Access, grade: string): HoldRefusal {
  return {
    refused: 'code-invalid',
    reason: access.codeId === null ? 'code-required' : 'grade-locked',
    grade,
  };
}
