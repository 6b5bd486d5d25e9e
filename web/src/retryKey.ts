import { ApiError, newIdempotencyKey } from './api';

// An Idempotency-Key names one thing a person asked for, and the server answers a repeated key with the
// first outcome. So a request that got no certain answer (the network failed, or something on the way
// answered 5xx) is sent again under its own key and cannot happen twice; once the server has answered for
// certain, trying again is a new request under a new key (after a timed-out payment, the same key would
// only repeat the timeout).

/** 5xx answers that still say for certain what happened: nothing. */
const CERTAIN_5XX = new Set(['PAYMENT_TIMEOUT']);
/** An answer meaning the first request is still being carried out: its outcome is the one to get. */
const UNDER_WAY = new Set(['CHECKOUT_IN_PROGRESS']);

/** Whether `err` is the server's certain answer, so that trying again is a new request. */
export function answeredForCertain(err: unknown): boolean {
  if (!(err instanceof ApiError) || err.status === 0 || UNDER_WAY.has(err.code)) return false;
  return err.status < 500 || CERTAIN_5XX.has(err.code);
}

/** The keys of one kind of request a page sends (a hold, a checkout, a cancellation). */
export class RetryKey {
  private pending: { request: string; key: string } | null = null;

  /**
   * The key to send `request` (its body as text, or whatever names it) under: the last one's while that
   * same request has no certain answer, a fresh one otherwise.
   */
  for(request: string): string {
    if (this.pending?.request !== request) this.pending = { request, key: newIdempotencyKey() };
    return this.pending.key;
  }

  /** After an answer: keep the key only while the server may not have acted on the request yet. */
  settle(err: unknown = null): void {
    if (err === null || answeredForCertain(err)) this.pending = null;
  }
}
