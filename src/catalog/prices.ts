import { AppError } from '../contract/errors.js';
import { gradesOf, type SeatPlan } from '../contract/layout.js';
import type { PriceRow } from './event-repository.js';

/** Exactly one price per grade of the venue: none missing, none unknown, none twice. */
export function checkPrices(prices: PriceRow[], plan: SeatPlan): PriceRow[] {
  const grades = gradesOf(plan);
  const given = new Map<string, number>();
  for (const { grade, amount } of prices) {
    if (!grades.includes(grade))
      throw new AppError('UNKNOWN_GRADE', `The venue has no grade "${grade}".`, { grade, grades });
    if (given.has(grade))
      throw new AppError('DUPLICATE_PRICE', `Grade "${grade}" is priced twice.`, { grade });
    given.set(grade, amount);
  }
  const missing = grades.filter((g) => !given.has(g));
  if (missing.length > 0)
    throw new AppError('MISSING_GRADE_PRICE', `No price for grade ${missing.join(', ')}.`, { missing });
  return prices;
}
