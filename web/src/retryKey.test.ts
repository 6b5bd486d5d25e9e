import { describe, expect, it } from 'vitest';
import { ApiError, NETWORK_ERROR } from './api';
import { answeredForCertain, RetryKey } from './retryKey';

const error = (status: number, code: string) => new ApiError(status, code, '');

describe('idempotency keys across retries', () => {
  it('when a payment was declined or timed out, then the next try is a new request', () => {
    expect(answeredForCertain(error(402, 'PAYMENT_DECLINED'))).toBe(true);
    expect(answeredForCertain(error(504, 'PAYMENT_TIMEOUT'))).toBe(true);
    expect(answeredForCertain(error(409, 'TICKET_USED'))).toBe(true);
  });

  it('when no certain answer came, then the next try repeats the request under its key', () => {
    expect(answeredForCertain(error(0, NETWORK_ERROR))).toBe(false);
    // A gateway's own 504 says nothing of what Tmomi did; neither does a 500.
    expect(answeredForCertain(error(504, 'HTTP_504'))).toBe(false);
    expect(answeredForCertain(error(500, 'INTERNAL'))).toBe(false);
    expect(answeredForCertain(error(409, 'CHECKOUT_IN_PROGRESS'))).toBe(false);
    expect(answeredForCertain(new TypeError('boom'))).toBe(false);
  });

  it('when the same request is retried after no answer, then it keeps its key; after an answer, it gets a new one', () => {
    const keys = new RetryKey();
    const first = keys.for('hold-1');
    keys.settle(error(0, NETWORK_ERROR));
    expect(keys.for('hold-1')).toBe(first);
    keys.settle(error(504, 'PAYMENT_TIMEOUT'));
    const second = keys.for('hold-1');
    expect(second).not.toBe(first);
    keys.settle();
    expect(keys.for('hold-1')).not.toBe(second);
  });

  it('when another request follows one that got no answer, then it gets its own key', () => {
    const keys = new RetryKey();
    const first = keys.for('{"seatNos":[1]}');
    keys.settle(error(503, 'HTTP_503'));
    expect(keys.for('{"seatNos":[2]}')).not.toBe(first);
  });
});
