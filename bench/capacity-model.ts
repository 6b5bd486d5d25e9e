/**
 * The capacity model behind docs/capacity.md: a flash sale simulated in steps of 100 ms, with each
 * operation costing the CPU it was measured to cost on this machine (docs/benchmarks.md), so that a
 * plan for a million buyers rests on figures, not guesses. Pure and deterministic (arrivals are the
 * quantiles of their distribution; buyers' choices come from a seeded generator): the same parameters
 * give the same answer, which `test/capacity-model.test.ts` relies on.
 *
 * What is modelled: buyers arrive (a burst, then a tail), join (node CPU, and the CPU of the one Redis
 * shard that holds the performance: every key of a performance shares its `{perf:ID}` slot), wait in
 * arrival order with their place pushed to them at most once a second, are admitted at the organizer's
 * rate while fewer than `maxActive` passes are out, pick seats, hold, pay or walk away (their seats come
 * back when the hold lapses), and the room closes when every seat is sold. What is not: the balancer,
 * public reads (served from memory or a cache, ~0.05 ms a read: docs/benchmarks.md, issue 17), retries,
 * and the network.
 */

/** CPU milliseconds per operation, where it runs (docs/benchmarks.md; docs/capacity.md cites each). */
export interface Costs {
  node: { join: number; push: number; hold: number; checkout: number };
  redis: { join: number; hold: number; checkout: number };
  postgres: { hold: number; checkout: number };
}

export const MEASURED: Costs = {
  // bench:queue, quiet runs: 106–137 µs of node CPU and 22–30 µs of Redis per join; 18,000 streams told
  // their new place in ~1 s by one node (~55 µs a push).
  // bench:booking, quieter runs: a hold 0.26 ms node, 0.07–0.09 ms PostgreSQL, ~0.03 ms Redis; a purchase
  // (hold + checkout) 0.48 ms node and ~0.5 ms PostgreSQL, so a checkout ~0.22 and ~0.42.
  node: { join: 0.12, push: 0.055, hold: 0.26, checkout: 0.22 },
  redis: { join: 0.025, hold: 0.03, checkout: 0.02 },
  postgres: { hold: 0.08, checkout: 0.42 },
};

export interface Scenario {
  buyers: number;
  seats: number;
  /** Share of the buyers arriving evenly over the first `burstSeconds`; the rest arrive after, exponentially. */
  burstShare: number;
  burstSeconds: number;
  tailMeanSeconds: number;
  admitPerSecond: number;
  maxActive: number;
  /** Tickets a buyer asks for: 1 … maxQuantity, evenly. */
  maxQuantity: number;
  /** Median seconds from admission to the hold, and from the hold to paying (log-normal, σ 0.5). */
  pickSeconds: number;
  paySeconds: number;
  /** Share of the holders who never pay: their seats come back after `holdTtlSeconds`. */
  abandon: number;
  holdTtlSeconds: number;
  /** The payment provider's answer time (no CPU). */
  paymentSeconds: number;
  /** Each waiter's place is pushed at most this often (src/queue/stream-push.ts: once a second). */
  pushEverySeconds: number;
  nodes: number;
  coresPerNode: number;
  /** CPU cores of the Redis shard holding the performance (Redis runs commands on one thread). */
  shardCores: number;
  postgresCores: number;
  /** Give up after this long (simulated seconds). */
  limitSeconds: number;
  seed: number;
}

export interface Outcome {
  /** Seconds from the first arrival until 99 % of the seats were sold (undefined: not within the limit). */
  mostSoldAt: number | undefined;
  /**
   * … and until the last seat was sold: later by a hold's lifetime or more, as walked-away holds lapse
   * and their seats sell again (and a tenth of those lapse in turn).
   */
  soldOutAt: number | undefined;
  seatsSold: number;
  orders: number;
  admitted: number;
  /**
   * Seconds from arriving to being admitted: of everyone admitted (some of them, admitted while every
   * seat left was held, find nothing and leave), and of those who bought.
   */
  wait: { p50: number; p90: number; p99: number; max: number };
  boughtWait: { p50: number; p99: number };
  /** Seconds from arriving until the join was answered (the shard's or the nodes' backlog). */
  joinLatency: { p50: number; p99: number; max: number };
  /** Busiest second's share of capacity used, 0 … 1 (1 = the step's work waited for the next). */
  peak: { node: number; shard: number; postgres: number };
  /**
   * The worst second's pushes made over pushes due (1: every waiter told their place on time; 0.1: the
   * nodes had CPU for a tenth of them, so places reached waiters ten times less often).
   */
  pushShare: number;
  /** Busiest second's operations per second. */
  rates: { joins: number; pushes: number; holds: number; checkouts: number };
}

const STEP = 0.1;

/** Mulberry32: a small seeded generator, so a scenario always simulates the same buyers. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Arrival instants, ascending: the burst evenly, the tail at its exponential distribution's quantiles. */
export function arrivals(s: Pick<Scenario, 'buyers' | 'burstShare' | 'burstSeconds' | 'tailMeanSeconds'>) {
  const at = new Float64Array(s.buyers);
  const burst = Math.round(s.buyers * s.burstShare);
  for (let i = 0; i < burst; i++) at[i] = (s.burstSeconds * i) / burst;
  const tail = s.buyers - burst;
  for (let i = 0; i < tail; i++)
    at[burst + i] = s.burstSeconds - s.tailMeanSeconds * Math.log(1 - (i + 0.5) / tail);
  return at;
}

/** Seconds at the quantiles of a sorted sample. */
function quantile(sorted: Float64Array, q: number): number {
  return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

type Event = { kind: 'hold' | 'pay' | 'leave' | 'lapse'; quantity: number; buyer: number };

export function simulate(s: Scenario, costs: Costs = MEASURED): Outcome {
  const rnd = random(s.seed);
  const logNormal = (median: number) => {
    const z = Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
    return median * Math.exp(0.5 * z);
  };
  const arrived = arrivals(s);
  const joinedAt = new Float64Array(s.buyers).fill(NaN);
  const waits: number[] = [];
  const boughtWaits: number[] = [];
  const steps = Math.ceil(s.limitSeconds / STEP);
  const due = new Map<number, Event[]>();
  let current = 0; // the step being worked through
  // At the step that holds `at`, and never the one being worked through (its events were taken).
  const schedule = (at: number, e: Event) => {
    const step = Math.max(Math.round(at / STEP - 0.5) + 1, current + 1);
    const list = due.get(step);
    if (list) list.push(e);
    else due.set(step, [e]);
  };
  let nextArrival = 0;
  let joined = 0; // joins answered, in arrival order
  let admittedTo = 0; // the queue's head: everyone before it was admitted
  let active = 0;
  let available = s.seats;
  let sold = 0;
  let orders = 0;
  let allowance = 0;
  let soldOutAt: number | undefined;
  let mostSoldAt: number | undefined;
  let pushDebt = 0;
  // What each resource did in the current second, and how many operations of each kind.
  const idle = () => ({
    node: 0,
    shard: 0,
    postgres: 0,
    joins: 0,
    pushes: 0,
    pushesWanted: 0,
    holds: 0,
    checkouts: 0,
  });
  let busy = idle();
  let pushShare = 1;
  const peak = { node: 0, shard: 0, postgres: 0 };
  const rates = { joins: 0, pushes: 0, holds: 0, checkouts: 0 };
  const carried: Event[] = [];

  for (let step = 0; step < steps && soldOutAt === undefined; step++) {
    current = step;
    const now = step * STEP;
    // CPU milliseconds each resource has in this step.
    let node = s.nodes * s.coresPerNode * STEP * 1000;
    let shard = s.shardCores * STEP * 1000;
    let postgres = s.postgresCores * STEP * 1000;
    const spend = (n: number, p: number, r: number) => {
      node -= n;
      shard -= r;
      postgres -= p;
    };

    // Purchases first: a buyer with seats in hand is served before the herd at the door.
    const events = [...carried.splice(0), ...(due.get(step) ?? [])];
    due.delete(step);
    for (const e of events) {
      if (e.kind === 'lapse') {
        available += e.quantity;
      } else if (e.kind === 'leave') {
        active--;
      } else if (node <= 0 || shard <= 0 || postgres <= 0) {
        carried.push(e); // no CPU left in this step: it waits for the next
      } else if (e.kind === 'hold') {
        spend(costs.node.hold, costs.postgres.hold, costs.redis.hold);
        busy.holds++;
        const quantity = Math.min(e.quantity, available);
        if (quantity === 0) {
          active--; // nothing free: the buyer is told so and leaves
          continue;
        }
        available -= quantity;
        if (rnd() < s.abandon) {
          schedule(now + logNormal(s.paySeconds), { ...e, kind: 'leave', quantity });
          schedule(now + s.holdTtlSeconds, { ...e, kind: 'lapse', quantity });
        } else {
          schedule(now + logNormal(s.paySeconds) + s.paymentSeconds, { ...e, kind: 'pay', quantity });
        }
      } else {
        spend(costs.node.checkout, costs.postgres.checkout, costs.redis.checkout);
        busy.checkouts++;
        sold += e.quantity;
        orders++;
        active--;
        boughtWaits.push(waits[e.buyer]!);
      }
    }
    if (mostSoldAt === undefined && sold >= 0.99 * s.seats) mostSoldAt = now;
    if (sold >= s.seats) soldOutAt = now;

    // Admission: the leader's ticker, at the organizer's rate, while passes are free and seats unsold.
    allowance = Math.min(allowance + s.admitPerSecond * STEP, s.admitPerSecond);
    while (allowance >= 1 && active < s.maxActive && admittedTo < joined && soldOutAt === undefined) {
      allowance--;
      active++;
      waits.push(now - arrived[admittedTo]!);
      admittedTo++;
      schedule(now + logNormal(s.pickSeconds), {
        kind: 'hold',
        quantity: 1 + Math.floor(rnd() * s.maxQuantity),
        buyer: admittedTo - 1,
      });
    }

    // Joins, in arrival order, as far as the nodes' and the shard's CPU go; answered by the step's end.
    while (nextArrival < s.buyers && arrived[nextArrival]! < now + STEP) nextArrival++;
    while (joined < nextArrival && node > 0 && shard > 0) {
      spend(costs.node.join, 0, costs.redis.join);
      joinedAt[joined++] = now + STEP;
      busy.joins++;
    }

    // Waiters' places, each pushed at most once per push interval, with the CPU the joins left: a
    // place not pushed in time is pushed later (at most one owed per waiter), so it is told late.
    const waiting = joined - admittedTo;
    const wanted = (waiting * STEP) / s.pushEverySeconds;
    pushDebt = Math.min(pushDebt + wanted, waiting);
    const pushes = Math.min(Math.floor(pushDebt), Math.max(0, Math.floor(node / costs.node.push)));
    pushDebt -= pushes;
    node -= pushes * costs.node.push;
    busy.pushes += pushes;
    busy.pushesWanted += wanted;

    const cap = (cores: number) => cores * STEP * 1000;
    busy.node += cap(s.nodes * s.coresPerNode) - Math.max(0, node);
    busy.shard += cap(s.shardCores) - Math.max(0, shard);
    busy.postgres += cap(s.postgresCores) - Math.max(0, postgres);
    if ((step + 1) % Math.round(1 / STEP) === 0) {
      // One second's figures: keep the busiest.
      peak.node = Math.max(peak.node, busy.node / (s.nodes * s.coresPerNode * 1000));
      peak.shard = Math.max(peak.shard, busy.shard / (s.shardCores * 1000));
      peak.postgres = Math.max(peak.postgres, busy.postgres / (s.postgresCores * 1000));
      rates.joins = Math.max(rates.joins, busy.joins);
      rates.pushes = Math.max(rates.pushes, busy.pushes);
      rates.holds = Math.max(rates.holds, busy.holds);
      rates.checkouts = Math.max(rates.checkouts, busy.checkouts);
      if (busy.pushesWanted >= 1) pushShare = Math.min(pushShare, busy.pushes / busy.pushesWanted);
      busy = idle();
    }
  }

  const sortedWaits = Float64Array.from(waits).sort();
  const sortedBought = Float64Array.from(boughtWaits).sort();
  const latencies = Float64Array.from({ length: joined }, (_, i) => joinedAt[i]! - arrived[i]!).sort();
  return {
    mostSoldAt,
    soldOutAt,
    seatsSold: sold,
    orders,
    admitted: admittedTo,
    wait: {
      p50: quantile(sortedWaits, 0.5),
      p90: quantile(sortedWaits, 0.9),
      p99: quantile(sortedWaits, 0.99),
      max: sortedWaits.at(-1) ?? 0,
    },
    boughtWait: { p50: quantile(sortedBought, 0.5), p99: quantile(sortedBought, 0.99) },
    joinLatency: {
      p50: quantile(latencies, 0.5),
      p99: quantile(latencies, 0.99),
      max: latencies.at(-1) ?? 0,
    },
    peak,
    pushShare,
    rates,
  };
}
