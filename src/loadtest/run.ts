import type { HttpClient, Reply } from './http.js';
import { percentiles, ratePerSecond, type BuyerRecord, type Outcome, type Percentiles } from './report.js';

export interface SaleBuyer {
  id: string;
  headers: { authorization: string };
}

export interface SaleOptions {
  /**
   * Joins and polls go through `client`, an admitted buyer's requests (holds, checkouts, the look at
   * what is left after a refused hold, leaving) through `purchases`: each buyer of a real sale has a
   * connection of its own, so an admitted buyer must not wait in one pool behind thousands of joins,
   * as it would if every request shared a few hundred sockets: a few refused holds in a row could
   * outlast the buyer's pass (docs/incidents.md, "A refused buyer's pass ran out behind the joins").
   */
  client: HttpClient;
  purchases: HttpClient;
  base: string;
  performanceId: string;
  buyers: SaleBuyer[];
  /** Buyers ask for best-available seats of this grade, 1..maxQuantity each. */
  grade: string;
  maxQuantity: number;
  /** At most this many buyers wait on an event stream at once; the others poll. */
  streams: number;
  /** Epoch milliseconds: every buyer stops by then. */
  deadline: number;
  /** Called about once a second with the running figures. */
  onProgress?: (progress: SaleProgress) => void;
  card?: string;
}

export interface SaleProgress {
  elapsedMs: number;
  joined: number;
  streaming: number;
  admitted: number;
  orders: number;
  seats: number;
  finished: number;
  errors: number;
}

export interface SaleReport {
  elapsedMs: number;
  buyers: BuyerRecord[];
  outcomes: Record<Outcome, number>;
  /** Rates over the middle 80 % of the joins, admissions and orders (see `ratePerSecond`). */
  joinsPerSecond: number;
  admissionsPerSecond: number;
  ordersPerSecond: number;
  seatsBought: number;
  latency: { join: Percentiles; hold: Percentiles; checkout: Percentiles; purchase: Percentiles };
  /** Replies a client had to retry or gave up on, by step and status/code (`checkout 502`, `hold transport`). */
  errors: Record<string, number>;
}

const TRAIL_LENGTH = 24;
const SLOW_CALL_MS = 5_000;

/** A step of waiting in the queue (through `client`), not of a purchase (through `purchases`). */
const inQueue = (step: string) => step === 'join' || step === 'poll';

/** The stable code of an error reply (`{"error":{"code",…}}`), if it is one. */
export const codeOf = (reply: Reply | undefined): string | undefined =>
  (reply?.body as { error?: { code?: string } } | undefined)?.error?.code;

/** Replies worth retrying: the connection broke, or a node (or the balancer in front of it) failed. */
export const transient = (reply: Reply | undefined): boolean =>
  reply === undefined || (reply.status >= 500 && codeOf(reply) !== 'PAYMENT_TIMEOUT');

/** What all buyers of one sale share: the options, the running figures, and the way they make requests. */
export class SaleRun {
  readonly started = Date.now();
  readonly perfPath: string;
  private readonly errors: Record<string, number> = {};
  private readonly samples: Record<'join' | 'hold' | 'checkout' | 'purchase', number[]> = {
    join: [],
    hold: [],
    checkout: [],
    purchase: [],
  };
  /** When each join, admission and order happened, for their rates. */
  readonly moments = { joins: [] as number[], admissions: [] as number[], orders: [] as number[] };
  readonly counts = { joined: 0, streaming: 0, admitted: 0, orders: 0, seats: 0, finished: 0 };
  freeStreams: number;

  constructor(readonly opts: SaleOptions) {
    this.perfPath = `/api/performances/${opts.performanceId}`;
    this.freeStreams = opts.streams;
  }

  timeLeft(): number {
    return this.opts.deadline - Date.now();
  }

  /** One request; a transport error becomes `undefined`, and anything unexpected is counted. */
  async call(
    trail: string[],
    step: string,
    method: string,
    path: string,
    headers: Record<string, string>,
    body?: unknown,
  ): Promise<Reply | undefined> {
    const at = Date.now();
    try {
      const pool = inQueue(step) ? this.opts.client : this.opts.purchases;
      const reply = await pool.request(this.opts.base, method, path, headers, body);
      if (reply.status < 400) (this.samples as Record<string, number[]>)[step]?.push(Date.now() - at);
      if (reply.status >= 500)
        this.count(`${step} ${reply.status}${codeOf(reply) ? ` ${codeOf(reply)}` : ''}`);
      this.note(trail, at, step, `${reply.status}${codeOf(reply) ? ` ${codeOf(reply)}` : ''}`, reply.status);
      return reply;
    } catch {
      this.count(`${step} transport`);
      this.note(trail, at, step, 'transport', 0);
      return undefined;
    }
  }

  note(trail: string[], at: number, step: string, what: string, status: number): void {
    const ms = Date.now() - at;
    if (inQueue(step) && status > 0 && status < 400 && ms < SLOW_CALL_MS) return;
    trail.push(`+${((at - this.started) / 1000).toFixed(1)}s ${step} ${what} ${ms}ms`);
    if (trail.length > TRAIL_LENGTH) trail.shift();
  }

  count(key: string): void {
    this.errors[key] = (this.errors[key] ?? 0) + 1;
  }

  samplePurchase(ms: number): void {
    this.samples.purchase.push(ms);
  }

  progress(): SaleProgress {
    return {
      elapsedMs: Date.now() - this.started,
      ...this.counts,
      errors: Object.values(this.errors).reduce((a, b) => a + b, 0),
    };
  }

  report(buyers: BuyerRecord[]): SaleReport {
    const outcomes = { bought: 0, 'sold-out': 0, closed: 0, expired: 0, failed: 0, 'timed-out': 0 };
    for (const b of buyers) outcomes[b.outcome!]++;
    return {
      elapsedMs: Date.now() - this.started,
      buyers,
      outcomes,
      joinsPerSecond: ratePerSecond(this.moments.joins),
      admissionsPerSecond: ratePerSecond(this.moments.admissions),
      ordersPerSecond: ratePerSecond(this.moments.orders),
      seatsBought: this.counts.seats,
      latency: {
        join: percentiles(this.samples.join),
        hold: percentiles(this.samples.hold),
        checkout: percentiles(this.samples.checkout),
        purchase: percentiles(this.samples.purchase),
      },
      errors: this.errors,
    };
  }
}
