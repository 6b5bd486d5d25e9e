import { useState } from 'react';
import type { Hold, HoldBody } from '@tmomi/contract/booking';
import { ApiError, client } from '../../api';
import { dropPass } from '../../passes';
import { RetryKey } from '../../retryKey';

// The buyer's hold lives in sessionStorage: it survives a reload of the seat map but not the tab.
const holdKey = (performanceId: string) => `tmomi.hold.${performanceId}`;

function savedHold(performanceId: string): Hold | null {
  try {
    const hold = JSON.parse(sessionStorage.getItem(holdKey(performanceId)) ?? 'null') as Hold | null;
    return hold && Date.parse(hold.expiresAt) > Date.now() ? hold : null;
  } catch {
    return null;
  }
}

export interface HoldOptions {
  /** The waiting room's pass, sent with every hold request when the performance has a queue. */
  queuePass: string | undefined;
  /** After every change of seats (held, refused, released, expired): read availability again. */
  afterChange: () => void;
  /** The picked seats are forgotten once held, released, or refused as taken. */
  clearSelection: () => void;
}

/**
 * The hold on one performance's seats: asking for it (with the same Idempotency-Key when a request
 * got no answer), releasing it, and keeping it across reloads.
 */
export function useHold(performanceId: string, { queuePass, afterChange, clearSelection }: HoldOptions) {
  const [hold, setHold] = useState<Hold | null>(() => savedHold(performanceId));
  const [problem, setProblem] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [keys] = useState(() => new RetryKey());

  const keep = (next: Hold | null) => {
    if (next) sessionStorage.setItem(holdKey(performanceId), JSON.stringify(next));
    else sessionStorage.removeItem(holdKey(performanceId));
    setHold(next);
    clearSelection();
  };

  const request = async (body: HoldBody) => {
    setBusy(true);
    setProblem(null);
    // The same request sent again after no answer keeps its key: if the first one held the seats,
    // the server hands that hold back instead of refusing seats the buyer already holds.
    const key = keys.for(JSON.stringify(body));
    try {
      const created = await client.holds.create(performanceId, body, { idempotencyKey: key, queuePass });
      keys.settle();
      keep(created);
    } catch (err) {
      keys.settle(err);
      setProblem(err);
      if (err instanceof ApiError && err.code === 'SEAT_UNAVAILABLE') clearSelection();
    } finally {
      setBusy(false);
      afterChange();
    }
  };

  const release = async () => {
    if (!hold) return;
    await client.holds.release(hold.holdId).catch(() => undefined);
    keep(null);
    afterChange();
  };

  const expired = () => {
    keep(null);
    setProblem(new ApiError(410, 'HOLD_EXPIRED', ''));
    afterChange();
  };

  /** Paid: the hold became an order and the queue pass is used up. */
  const paid = () => {
    dropPass(performanceId);
    keep(null);
  };

  return { hold, problem, setProblem, busy, request, release, expired, paid };
}
