import type { HoldRow } from './repository.js';

export interface HoldView {
  holdId: string;
  performanceId: string;
  seatNos: number[];
  amount: number;
  currency: string;
  expiresAt: string;
  state: HoldRow['state'];
}

export const holdView = (h: HoldRow): HoldView => ({
  holdId: h.id,
  performanceId: h.performanceId,
  seatNos: h.seatNos,
  amount: h.amount,
  currency: h.currency,
  expiresAt: h.expiresAt.toISOString(),
  state: h.state,
});
