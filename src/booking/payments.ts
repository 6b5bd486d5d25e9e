import { randomUUID } from 'node:crypto';

export interface ChargeRequest {
  /** The provider-side idempotency key: the same key never charges twice, whoever asks and how often. */
  key: string;
  amount: number;
  currency: string;
  card: string;
}

export type ChargeResult = { status: 'succeeded'; ref: string } | { status: 'declined'; reason: string };

export interface RefundRequest {
  /** The charge to give money back from. */
  ref: string;
  amount: number;
  /** The provider-side idempotency key of this refund: asked twice, it refunds once. */
  key: string;
}

/** The provider did not answer in time: whether it charged is unknown until `find` says. */
export class PaymentTimeoutError extends Error {
  override name = 'PaymentTimeoutError';
}

/**
 * The payment port. Real providers (Toss Payments, Stripe, …) implement it; Tmomi ships a simulator.
 * Every method is idempotent per `key`, as the providers' own idempotency keys are.
 */
export interface PaymentPort {
  readonly provider: string;
  charge(req: ChargeRequest): Promise<ChargeResult>;
  /** The successful charge made under `key`, if any (to settle an order whose charger crashed). */
  find(key: string): Promise<{ ref: string } | null>;
  /**
   * Gives `amount` of charge `ref` back (part of it, or all); the same `key` refunds once. Refused when
   * the charge's refunds would add up to more than it took, as providers do.
   */
  refund(req: RefundRequest): Promise<void>;
}

/** The simulator's test cards (DESIGN.md). Any other number is declined as unsupported. */
export const TEST_CARDS = {
  succeeds: '4242424242424242',
  declined: '4000000000000002',
  timesOut: '4000000000009995',
} as const;

/**
 * The built-in provider: answers after `latencyMs`, remembers every charge by key, and counts what it
 * does so that tests and benchmarks can prove "one charge per order". It lives in one process's memory,
 * like a provider's test mode that forgets everything on restart.
 */
export class PaymentSimulator implements PaymentPort {
  readonly provider = 'simulator';
  private readonly charges = new Map<string, ChargeResult>();
  private readonly inFlight = new Map<string, Promise<ChargeResult>>();
  /** The amount of every charge, by ref, and what each refund key gave back of which charge. */
  private readonly charged = new Map<string, number>();
  private readonly refunds = new Map<string, { ref: string; amount: number }>();
  private moneyTaken = 0;
  private chargeCallCount = 0;

  constructor(private readonly opts: { latencyMs: number; timeoutMs: number }) {}

  /**
   * How many times money was taken: counted where a charge succeeds, not from the charges remembered
   * by key, so that a key charged twice (its dedupe broken) counts twice.
   */
  get chargeCount(): number {
    return this.moneyTaken;
  }

  /** How many times `charge` was called, whatever it answered (a retry under a known key included). */
  get chargeCalls(): number {
    return this.chargeCallCount;
  }

  /** How many refunds gave money back (one per key, however often each was asked). */
  get refundCount(): number {
    return this.refunds.size;
  }

  /** How much of charge `ref` was given back. */
  refundedOf(ref: string): number {
    let sum = 0;
    for (const r of this.refunds.values()) if (r.ref === ref) sum += r.amount;
    return sum;
  }

  async charge(req: ChargeRequest): Promise<ChargeResult> {
    this.chargeCallCount++;
    const known = this.charges.get(req.key) ?? (await this.inFlight.get(req.key));
    if (known) return known;
    if (req.card === TEST_CARDS.timesOut) {
      await sleep(this.opts.timeoutMs);
      throw new PaymentTimeoutError(`the payment provider did not answer within ${this.opts.timeoutMs} ms`);
    }
    const pending = sleep(this.opts.latencyMs).then((): ChargeResult => {
      if (req.card === TEST_CARDS.succeeds) {
        this.moneyTaken++;
        const ref = `sim_${randomUUID()}`;
        this.charged.set(ref, req.amount);
        return { status: 'succeeded', ref };
      }
      if (req.card === TEST_CARDS.declined) return { status: 'declined', reason: 'card-declined' };
      return { status: 'declined', reason: 'card-not-supported' };
    });
    this.inFlight.set(req.key, pending);
    try {
      const result = await pending;
      this.charges.set(req.key, result);
      return result;
    } finally {
      this.inFlight.delete(req.key);
    }
  }

  async find(key: string): Promise<{ ref: string } | null> {
    const result = this.charges.get(key) ?? (await this.inFlight.get(key));
    return result?.status === 'succeeded' ? { ref: result.ref } : null;
  }

  async refund({ ref, amount, key }: RefundRequest): Promise<void> {
    await sleep(this.opts.latencyMs);
    if (this.refunds.has(key)) return;
    // A charge made by another node's simulator (each forgets the others') cannot be checked here.
    const charged = this.charged.get(ref) ?? Infinity;
    if (this.refundedOf(ref) + amount > charged)
      throw new Error(`refunding ${amount} more of charge ${ref} would give back more than it took`);
    this.refunds.set(key, { ref, amount });
  }
}

const sleep = (ms: number) => (ms > 0 ? new Promise<void>((r) => setTimeout(r, ms)) : Promise.resolve());
