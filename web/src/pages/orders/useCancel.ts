import { useState } from 'react';
import { ApiError, client } from '../../api';
import { RetryKey } from '../../retryKey';

/**
 * Cancelling tickets of one order for a refund. Each confirmation is a new request with a new key, except
 * the same tickets again after no answer: that is the first request retried, refunded once.
 */
export function useCancel(orderId: string, reload: () => void) {
  const [keys] = useState(() => new RetryKey());
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<{ refunded: number } | { problem: unknown } | null>(null);

  const cancel = async (ticketIds: string[], amount: number) => {
    setBusy(true);
    setOutcome(null);
    try {
      await client.orders.cancel(orderId, { ticketIds }, keys.for(JSON.stringify(ticketIds)));
      keys.settle();
      setOutcome({ refunded: amount });
      reload();
    } catch (err) {
      keys.settle(err);
      setOutcome({ problem: err });
      // The order changed under the page (a ticket used at the door, the deadline passed): show it as it is.
      if (err instanceof ApiError && err.status === 409) reload();
    } finally {
      setBusy(false);
    }
  };

  return { cancel, busy, outcome };
}
