import {
  PaymentSimulator,
  type ChargeRequest,
  type ChargeResult,
  type RefundRequest,
} from '../src/booking/payments.js';

/**
 * The payment simulator with hooks a test sets to act in the middle of a charge or a refund (move the
 * clock, fail, race a second request), and a count of refund calls: the simulator itself counts money
 * given back, once per refund key, so a second ask under the same key shows only here.
 */
export class HookedPayments extends PaymentSimulator {
  duringCharge: ((req: ChargeRequest) => void) | undefined;
  duringRefund: (() => Promise<void>) | undefined;
  refundCalls = 0;

  override async charge(req: ChargeRequest): Promise<ChargeResult> {
    this.duringCharge?.(req);
    return super.charge(req);
  }

  override async refund(req: RefundRequest): Promise<void> {
    this.refundCalls++;
    await this.duringRefund?.();
    return super.refund(req);
  }
}
