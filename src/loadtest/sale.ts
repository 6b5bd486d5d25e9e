import { randomUUID } from 'node:crypto';
import type { HttpClient, Reply } from './http.js';
import { followStream } from './sse.js';

/**
 * A flash sale, simulated end to end against one base URL (a node or the balancer in front of many):
 * every buyer joins the waiting room at once, waits — on an event stream while one of `streams`
 * slots is free, else by polling at the pace its ETA suggests, moving to a stream when a slot frees —
 * is admitted, holds seats with the queue pass, and pays with an Idempotency-Key, retrying what a
 * real client would retry (a broken connection, a 5xx from a node going away, a checkout still in
 * progress elsewhere) a bounded number of times. Everything stops at `deadline`.
 *
 * The outcome of every buyer is kept so that a caller can check what only the clients can see: nobody
 * admitted twice, admission in arrival order, the streams of a lost node resumed elsewhere.
 */

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

export type Outcome = 'bought' | 'sold-out' | 'closed' | 'expired' | 'failed' | 'timed-out';

export interface StreamConnection {
  node: string;
  status: number;
  end: 'admitted' | 'closed' | 'expired' | 'reconnect' | 'ended' | 'broken' | 'timeout';
}

export interface BuyerRecord {
  id: string;
  /** Every admission this buyer was told of (pass id = arrival sequence); more than one is a bug. */
  passIds: Set<number>;
  expiresAt: string | undefined;
  admittedAfterMs: number | undefined;
  outcome: Outcome | undefined;
  /** Why the queue closed, or what failed. */
  reason: string | undefined;
  orderIds: string[];
  seats: number[];
  connections: StreamConnection[];
  /**
   * The buyer's last steps past the queue, and any slow or failed queue call, as `+12.3s hold 409
   * SEAT_UNAVAILABLE 250ms`; each stream it followed, what it saw when it looked again after a refusal,
   * and its end: what a failed (or last) buyer's report shows, to tell where its time went.
   */
  trail: string[];
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

export interface Percentiles {
  count: number;
  p50: number;
  p99: number;
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

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const jitter = (ms: number) => ms / 2 + Math.random() * ms;
const MAX_STREAM_CONNECTIONS = 40;
const MAX_HOLD_ATTEMPTS = 40;
const MAX_CHECKOUT_ATTEMPTS = 60;
const TRAIL_LENGTH = 24;
const SLOW_CALL_MS = 5_000;

/** A step of waiting in the queue (through `client`), not of a purchase (through `purchases`). */
const inQueue = (step: string) => step === 'join' || step === 'poll';

/** The stable code of an error reply (`{"error":{"code",…}}`), if it is one. */
const codeOf = (reply: Reply | undefined): string | undefined =>
  (reply?.body as { error?: { code?: string } } | undefined)?.error?.code;

/** Replies worth retrying: the connection broke, or a node (or the balancer in front of it) failed. */
const transient = (reply: Reply | undefined): boolean =>
  reply === undefined || (reply.status >= 500 && codeOf(reply) !== 'PAYMENT_TIMEOUT');

export async function runSale(opts: SaleOptions): Promise<SaleReport> {
  const started = Date.now();
  const perfPath = `/api/performances/${opts.performanceId}`;
  const card = opts.card ?? '4242424242424242';
  const errors: Record<string, number> = {};
  const samples = {
    join: [] as number[],
    hold: [] as number[],
    checkout: [] as number[],
    purchase: [] as number[],
  };
  // When each join, admission and order happened, for their rates.
  const moments = { joins: [] as number[], admissions: [] as number[], orders: [] as number[] };
  const counts = { joined: 0, streaming: 0, admitted: 0, orders: 0, seats: 0, finished: 0 };
  let freeStreams = opts.streams;

  /** One request; a transport error becomes `undefined`, and anything unexpected is counted. */
  const call = async (
    trail: string[],
    step: string,
    method: string,
    path: string,
    headers: Record<string, string>,
    body?: unknown,
  ): Promise<Reply | undefined> => {
    const at = Date.now();
    try {
      const pool = inQueue(step) ? opts.client : opts.purchases;
      const reply = await pool.request(opts.base, method, path, headers, body);
      if (reply.status < 400) (samples as Record<string, number[]>)[step]?.push(Date.now() - at);
      if (reply.status >= 500) count(`${step} ${reply.status}${codeOf(reply) ? ` ${codeOf(reply)}` : ''}`);
      note(trail, at, step, `${reply.status}${codeOf(reply) ? ` ${codeOf(reply)}` : ''}`, reply.status);
      return reply;
    } catch {
      count(`${step} transport`);
      note(trail, at, step, 'transport', 0);
      return undefined;
    }
  };
  const note = (trail: string[], at: number, step: string, what: string, status: number) => {
    const ms = Date.now() - at;
    if (inQueue(step) && status > 0 && status < 400 && ms < SLOW_CALL_MS) return;
    trail.push(`+${((at - started) / 1000).toFixed(1)}s ${step} ${what} ${ms}ms`);
    if (trail.length > TRAIL_LENGTH) trail.shift();
  };
  const count = (key: string) => (errors[key] = (errors[key] ?? 0) + 1);
  const timeLeft = () => opts.deadline - Date.now();

  const progress = setInterval(() => {
    opts.onProgress?.({
      elapsedMs: Date.now() - started,
      ...counts,
      errors: Object.values(errors).reduce((a, b) => a + b, 0),
    });
  }, 1_000);

  const runBuyer = async (buyer: SaleBuyer): Promise<BuyerRecord> => {
    const record: BuyerRecord = {
      id: buyer.id,
      passIds: new Set(),
      expiresAt: undefined,
      admittedAfterMs: undefined,
      outcome: undefined,
      reason: undefined,
      orderIds: [],
      seats: [],
      connections: [],
      trail: [],
    };
    const ask = (
      step: string,
      method: string,
      path: string,
      headers: Record<string, string>,
      body?: unknown,
    ) => call(record.trail, step, method, path, headers, body);
    const finish = (outcome: Outcome, reason?: string) => {
      note(record.trail, Date.now(), 'end', outcome, 200);
      record.outcome = outcome;
      record.reason ??= reason;
      counts.finished++;
      return record;
    };

    // 1. Join (idempotent, so retried freely).
    let view: Record<string, unknown> | undefined;
    for (let attempt = 0; attempt < 10 && timeLeft() > 0 && !view; attempt++) {
      const reply = await ask('join', 'POST', `${perfPath}/queue`, buyer.headers);
      if (reply?.status === 200) view = reply.body;
      // A join that arrives (or is retried) after the room closed is told why, as the others are.
      else if (codeOf(reply) === 'SOLD_OUT') return finish('sold-out');
      else if (codeOf(reply) === 'SALE_CLOSED') return finish('closed', 'sale-closed');
      else if (!transient(reply)) return finish('failed', `join ${reply!.status} ${codeOf(reply)}`);
      else await sleep(jitter(300));
    }
    if (!view) return finish('timed-out', 'join');
    counts.joined++;
    moments.joins.push(Date.now());

    // 2. Wait until admitted, on a stream when a slot is free, else polling.
    let pass: string | undefined;
    let lastEventId: string | undefined;
    const admit = (token: string, expiresAt: unknown) => {
      pass = token;
      const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as {
        pid: number;
      };
      record.passIds.add(claims.pid);
      record.expiresAt = String(expiresAt);
      if (record.admittedAfterMs === undefined) {
        record.admittedAfterMs = Date.now() - started;
        counts.admitted++;
        moments.admissions.push(Date.now());
      }
    };
    const settle = (state: unknown, data: Record<string, unknown>): 'closed' | 'expired' | undefined => {
      if (state === 'admitted' && typeof data.pass === 'string') admit(data.pass, data.expiresAt);
      else if (state === 'closed' || state === 'expired') {
        record.reason = typeof data.reason === 'string' ? data.reason : undefined;
        return state;
      }
      return undefined;
    };
    let ended = settle(view.state, view);
    if (ended) return finish(ended);
    while (!pass && timeLeft() > 0) {
      if (freeStreams > 0 && record.connections.length < MAX_STREAM_CONNECTIONS) {
        freeStreams--;
        counts.streaming++;
        try {
          const connection: StreamConnection = { node: '', status: 0, end: 'ended' };
          record.connections.push(connection);
          const opened = Date.now();
          const result = await followStream(
            `${opts.base}${perfPath}/queue/events`,
            buyer.headers,
            lastEventId,
            timeLeft(),
            (event) => {
              if (event.event === 'reconnect') connection.end = 'reconnect';
              else ended = settle(event.event, event.data);
              if (pass) connection.end = 'admitted';
              else if (ended) connection.end = ended;
              return event.event === 'reconnect' || pass !== undefined || ended !== undefined;
            },
          );
          Object.assign(connection, { node: result.node, status: result.status });
          if (result.end !== 'stopped') connection.end = result.end;
          lastEventId = result.lastEventId;
          if (result.status !== 200 && result.status !== 0) count(`stream ${result.status}`);
          // An event's id is the node's clock when it sent it: a late one shows whose side was slow.
          const sentAt = Number(result.lastEventId);
          const sent =
            sentAt > started ? `, last event sent +${((sentAt - started) / 1000).toFixed(1)}s` : '';
          note(
            record.trail,
            opened,
            'stream',
            `${result.status} ${result.node} ${connection.end}${sent}`,
            result.status,
          );
        } finally {
          freeStreams++;
          counts.streaming--;
        }
        if (ended) return finish(ended);
        if (!pass) await sleep(jitter(200)); // as EventSource does before it reconnects
      } else {
        const reply = await ask('poll', 'GET', `${perfPath}/queue/me`, buyer.headers);
        if (reply?.status === 200) {
          ended = settle(reply.body.state, reply.body);
          if (ended) return finish(ended);
          if (pass) break;
          // Ask again at the pace the ETA suggests: often near the front, rarely far back (but always
          // well within the time after which an unseen entry counts as gone).
          const eta = typeof reply.body.etaSeconds === 'number' ? reply.body.etaSeconds : 4;
          await sleep(jitter(Math.min(15_000, Math.max(1_000, eta * 500))));
        } else if (transient(reply)) await sleep(jitter(500));
        else return finish('failed', `poll ${reply!.status} ${codeOf(reply)}`);
      }
    }
    if (!pass) return finish('timed-out', 'waiting');

    // 3. Hold and pay, while the pass lasts.
    const purchaseStarted = Date.now();
    const quantity = 1 + Math.floor(Math.random() * opts.maxQuantity);
    const passHeaders = { ...buyer.headers, 'x-queue-pass': pass };
    // One key for one hold: a retry whose first try made its hold (the reply lost) gets that hold back.
    let holdKey = randomUUID();
    for (let attempt = 0; attempt < MAX_HOLD_ATTEMPTS && timeLeft() > 0; attempt++) {
      const hold = await ask(
        'hold',
        'POST',
        `${perfPath}/holds`,
        { ...passHeaders, 'idempotency-key': holdKey },
        { grade: opts.grade, quantity },
      );
      if (transient(hold)) {
        await sleep(jitter(300));
        continue;
      }
      if (hold!.status === 409 && codeOf(hold) === 'SEAT_UNAVAILABLE') {
        // Struck out by someone faster, or nothing left: sold out ends it; held seats may come back.
        const perf = await ask('performance', 'GET', perfPath, {});
        const left = perf?.body?.counts as { available: number; held: number } | undefined;
        // In the trail, so that a buyer refused again and again shows whether the seats were free.
        if (left) note(record.trail, Date.now(), 'left', `${left.available} free ${left.held} held`, 200);
        if (left && left.available === 0 && left.held === 0) {
          // Give the pass back, as a buyer closing the page would, so its slot goes to someone else.
          await ask('leave', 'DELETE', `${perfPath}/queue`, buyer.headers);
          return finish('sold-out');
        }
        await sleep(jitter(left?.available === 0 ? 2_000 : 200));
        continue;
      }
      if (hold!.status !== 201) return finish('failed', `hold ${hold!.status} ${codeOf(hold)}`);

      const holdId = hold!.body.holdId as string;
      const key = randomUUID();
      for (let tries = 0; tries < MAX_CHECKOUT_ATTEMPTS && timeLeft() > 0; tries++) {
        const paid = await ask(
          'checkout',
          'POST',
          `/api/holds/${holdId}/checkout`,
          { ...passHeaders, 'idempotency-key': key },
          { payment: { card } },
        );
        if (paid?.status === 201 || paid?.status === 200) {
          record.orderIds.push(paid.body.id as string);
          record.seats.push(...(paid.body.seatNos as number[]));
          samples.purchase.push(Date.now() - purchaseStarted);
          counts.orders++;
          counts.seats += (paid.body.seatNos as number[]).length;
          moments.orders.push(Date.now());
          return finish('bought');
        }
        if (transient(paid) || codeOf(paid) === 'CHECKOUT_IN_PROGRESS') {
          // Same key again: the order is resumed, or taken over once its charger is known dead.
          await sleep(jitter(1_000));
          continue;
        }
        if (paid!.status === 410) {
          // The hold ran out first (refunded if charged): hold again, which is a new request.
          holdKey = randomUUID();
          break;
        }
        return finish('failed', `checkout ${paid!.status} ${codeOf(paid)}`);
      }
    }
    return finish('timed-out', 'purchase');
  };

  try {
    const buyers = await Promise.all(opts.buyers.map(runBuyer));
    const outcomes = { bought: 0, 'sold-out': 0, closed: 0, expired: 0, failed: 0, 'timed-out': 0 };
    for (const b of buyers) outcomes[b.outcome!]++;
    return {
      elapsedMs: Date.now() - started,
      buyers,
      outcomes,
      joinsPerSecond: ratePerSecond(moments.joins),
      admissionsPerSecond: ratePerSecond(moments.admissions),
      ordersPerSecond: ratePerSecond(moments.orders),
      seatsBought: counts.seats,
      latency: {
        join: percentiles(samples.join),
        hold: percentiles(samples.hold),
        checkout: percentiles(samples.checkout),
        purchase: percentiles(samples.purchase),
      },
      errors,
    };
  } finally {
    clearInterval(progress);
  }
}

/**
 * Events per second over the middle 80 % of them (10th to 90th percentile of their instants): a few
 * stragglers — an order retried after its hold ran out, a buyer admitted again after a refund reopened
 * the room — would otherwise stretch the window and make the rate say more about them than the sale.
 */
export function ratePerSecond(instants: number[]): number {
  if (instants.length < 2) return 0;
  const sorted = [...instants].sort((a, b) => a - b);
  const tail = sorted.length >= 20 ? Math.floor(sorted.length * 0.1) : 0;
  const from = sorted[tail]!;
  const to = sorted[sorted.length - 1 - tail]!;
  return to > from ? ((sorted.length - 2 * tail - 1) * 1000) / (to - from) : 0;
}

/** How many buyers ended each way for each reason given (`failed: hold 400 VALIDATION_FAILED`). */
export function reasons(buyers: BuyerRecord[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const b of buyers) {
    if (!b.reason) continue;
    const key = `${b.outcome}: ${b.reason}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

export function percentiles(values: number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return { count: sorted.length, p50: at(0.5), p99: at(0.99) };
}

/**
 * What the clients saw that must not happen: a buyer admitted twice (two different passes), two buyers
 * with the same admission, or admission out of arrival order. The pass id is the arrival sequence and
 * the pass expiry follows the admission time, so sorted by sequence the expiries must never go back.
 */
export function admissionViolations(buyers: BuyerRecord[]): string[] {
  const problems: string[] = [];
  const twice = buyers.filter((b) => b.passIds.size > 1);
  if (twice.length > 0) problems.push(`${twice.length} buyers admitted more than once: ${twice[0]!.id} …`);
  const admitted = buyers.filter((b) => b.passIds.size === 1);
  const seqs = admitted.map((b) => [...b.passIds][0]!);
  if (new Set(seqs).size !== seqs.length) problems.push('two buyers hold the same admission');
  const bySeq = admitted.map((b, i) => ({ seq: seqs[i]!, expiresAt: Date.parse(b.expiresAt ?? '') }));
  bySeq.sort((a, b) => a.seq - b.seq);
  // The expiry is stamped by the admitting node's clock at one-second resolution or finer; allow for that.
  const outOfOrder = bySeq.filter((x, i) => i > 0 && x.expiresAt < bySeq[i - 1]!.expiresAt - 1_000);
  if (outOfOrder.length > 0)
    problems.push(
      `${outOfOrder.length} admissions out of arrival order, first at sequence ${outOfOrder[0]!.seq}`,
    );
  return problems;
}
