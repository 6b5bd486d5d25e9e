import { randomUUID } from 'node:crypto';
import type { Reply } from './http.js';
import type { BuyerRecord, Outcome, StreamConnection } from './report.js';
import { codeOf, transient, type SaleBuyer, type SaleRun } from './run.js';
import { followStream } from './sse.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const jitter = (ms: number) => ms / 2 + Math.random() * ms;
const MAX_STREAM_CONNECTIONS = 40;
const MAX_HOLD_ATTEMPTS = 40;
const MAX_CHECKOUT_ATTEMPTS = 60;

/**
 * Whether a reply is a 429 (over the buyer's hold or checkout limit), and its wait, as Retry-After
 * says it (the body's details carry the same seconds): a well-behaved client waits that long.
 */
const limited = (reply: Reply | undefined): number | undefined =>
  reply?.status === 429 ? 1000 * Number(reply.body?.error?.details?.retryAfterSeconds ?? 1) : undefined;

type QueueView = Record<string, unknown>;

/** One buyer's way through the sale: join, wait until admitted, hold and pay. Every step is bounded. */
export async function runBuyer(run: SaleRun, buyer: SaleBuyer): Promise<BuyerRecord> {
  const way = new BuyersWay({ run, buyer });
  const view = await way.join();
  if (!view) return way.record;
  const pass = await way.waitForPass(view);
  if (!pass) return way.record;
  await way.purchase(pass);
  return way.record;
}

class BuyersWay {
  readonly record: BuyerRecord;
  private readonly run: SaleRun;
  private readonly buyer: SaleBuyer;
  private readonly perfPath: string;
  private pass: string | undefined;

  constructor({ run, buyer }: { run: SaleRun; buyer: SaleBuyer }) {
    this.run = run;
    this.buyer = buyer;
    this.perfPath = run.perfPath;
    this.record = {
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
  }

  private ask(step: string, method: string, path: string, headers: Record<string, string>, body?: unknown) {
    return this.run.call(this.record.trail, step, method, path, headers, body);
  }

  private finish(outcome: Outcome, reason?: string): undefined {
    this.run.note(this.record.trail, Date.now(), 'end', outcome, 200);
    this.record.outcome = outcome;
    this.record.reason ??= reason;
    this.run.counts.finished++;
    return undefined;
  }

  /** 1. Join (idempotent, so retried freely). */
  async join(): Promise<QueueView | undefined> {
    let view: QueueView | undefined;
    for (let attempt = 0; attempt < 10 && this.run.timeLeft() > 0 && !view; attempt++) {
      const reply = await this.ask('join', 'POST', `${this.perfPath}/queue`, this.buyer.headers);
      if (reply?.status === 200) view = reply.body;
      // A join that arrives (or is retried) after the room closed is told why, as the others are.
      else if (codeOf(reply) === 'SOLD_OUT') return this.finish('sold-out');
      else if (codeOf(reply) === 'SALE_CLOSED') return this.finish('closed', 'sale-closed');
      else if (!transient(reply)) return this.finish('failed', `join ${reply!.status} ${codeOf(reply)}`);
      else await sleep(jitter(300));
    }
    if (!view) return this.finish('timed-out', 'join');
    this.run.counts.joined++;
    this.run.moments.joins.push(Date.now());
    return view;
  }

  private admit(token: string, expiresAt: unknown): void {
    this.pass = token;
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as {
      pid: number;
    };
    this.record.passIds.add(claims.pid);
    this.record.expiresAt = String(expiresAt);
    if (this.record.admittedAfterMs === undefined) {
      this.record.admittedAfterMs = Date.now() - this.run.started;
      this.run.counts.admitted++;
      this.run.moments.admissions.push(Date.now());
    }
  }

  private settle(state: unknown, data: Record<string, unknown>): 'closed' | 'expired' | undefined {
    if (state === 'admitted' && typeof data.pass === 'string') this.admit(data.pass, data.expiresAt);
    else if (state === 'closed' || state === 'expired') {
      this.record.reason = typeof data.reason === 'string' ? data.reason : undefined;
      return state;
    }
    return undefined;
  }

  /** 2. Wait until admitted, on a stream when a slot is free, else polling. */
  async waitForPass(view: QueueView): Promise<string | undefined> {
    let ended = this.settle(view.state, view);
    let lastEventId: string | undefined;
    while (!ended && !this.pass && this.run.timeLeft() > 0) {
      if (this.run.freeStreams > 0 && this.record.connections.length < MAX_STREAM_CONNECTIONS) {
        ({ ended, lastEventId } = await this.stream(lastEventId));
        if (!ended && !this.pass) await sleep(jitter(200)); // as EventSource does before it reconnects
      } else {
        const reply = await this.ask('poll', 'GET', `${this.perfPath}/queue/me`, this.buyer.headers);
        if (reply?.status === 200) {
          ended = this.settle(reply.body.state, reply.body);
          if (ended || this.pass) break;
          // Ask again at the pace the ETA suggests: often near the front, rarely far back (but always
          // well within the time after which an unseen entry counts as gone).
          const eta = typeof reply.body.etaSeconds === 'number' ? reply.body.etaSeconds : 4;
          await sleep(jitter(Math.min(15_000, Math.max(1_000, eta * 500))));
        } else if (transient(reply)) await sleep(jitter(500));
        else return this.finish('failed', `poll ${reply!.status} ${codeOf(reply)}`);
      }
    }
    if (ended) return this.finish(ended);
    if (!this.pass) return this.finish('timed-out', 'waiting');
    return this.pass;
  }

  /** Follows the queue's event stream until admitted, told the queue ended, or asked to reconnect. */
  private async stream(lastEventId: string | undefined) {
    const run = this.run;
    let ended: 'closed' | 'expired' | undefined;
    run.freeStreams--;
    run.counts.streaming++;
    try {
      const connection: StreamConnection = { node: '', status: 0, end: 'ended' };
      this.record.connections.push(connection);
      const opened = Date.now();
      const result = await followStream(
        `${run.opts.base}${this.perfPath}/queue/events`,
        this.buyer.headers,
        lastEventId,
        run.timeLeft(),
        (event) => {
          if (event.event === 'reconnect') connection.end = 'reconnect';
          else ended = this.settle(event.event, event.data);
          if (this.pass) connection.end = 'admitted';
          else if (ended) connection.end = ended;
          return event.event === 'reconnect' || this.pass !== undefined || ended !== undefined;
        },
      );
      Object.assign(connection, { node: result.node, status: result.status });
      if (result.end !== 'stopped') connection.end = result.end;
      if (result.status !== 200 && result.status !== 0) run.count(`stream ${result.status}`);
      // An event's id is the node's clock when it sent it: a late one shows whose side was slow.
      const sentAt = Number(result.lastEventId);
      const sent =
        sentAt > run.started ? `, last event sent +${((sentAt - run.started) / 1000).toFixed(1)}s` : '';
      const what = `${result.status} ${result.node} ${connection.end}${sent}`;
      run.note(this.record.trail, opened, 'stream', what, result.status);
      return { ended, lastEventId: result.lastEventId };
    } finally {
      run.freeStreams++;
      run.counts.streaming--;
    }
  }

  /** 3. Hold and pay, while the pass lasts. */
  async purchase(pass: string): Promise<void> {
    const started = Date.now();
    const quantity = 1 + Math.floor(Math.random() * this.run.opts.maxQuantity);
    const headers = { ...this.buyer.headers, 'x-queue-pass': pass };
    // One key for one hold: a retry whose first try made its hold (the reply lost) gets that hold back.
    let holdKey = randomUUID();
    for (let attempt = 0; attempt < MAX_HOLD_ATTEMPTS && this.run.timeLeft() > 0; attempt++) {
      const body = { grade: this.run.opts.grade, quantity };
      const hold = await this.ask(
        'hold',
        'POST',
        `${this.perfPath}/holds`,
        { ...headers, 'idempotency-key': holdKey },
        body,
      );
      if (transient(hold)) {
        await sleep(jitter(300));
        continue;
      }
      const wait = limited(hold);
      if (wait !== undefined) {
        this.run.count('hold 429 RATE_LIMITED');
        await sleep(wait);
        continue;
      }
      if (hold!.status === 409 && codeOf(hold) === 'SEAT_UNAVAILABLE') {
        if (await this.soldOut()) return this.finish('sold-out');
        continue;
      }
      if (hold!.status !== 201) return this.finish('failed', `hold ${hold!.status} ${codeOf(hold)}`);
      const paid = await this.pay(hold!.body.holdId as string, headers, started);
      if (paid === 'ended') return;
      // Holding again after the hold ran out is a new request; after running out of tries, the same.
      if (paid === 'hold-expired') holdKey = randomUUID();
    }
    this.finish('timed-out', 'purchase');
  }

  /**
   * After a refused hold (struck out by someone faster, or nothing left): sold out ends it; otherwise
   * wait a little, since held seats may come back.
   */
  private async soldOut(): Promise<boolean> {
    const perf = await this.ask('performance', 'GET', this.perfPath, {});
    const left = perf?.body?.counts as { available: number; held: number } | undefined;
    // In the trail, so that a buyer refused again and again shows whether the seats were free.
    if (left)
      this.run.note(this.record.trail, Date.now(), 'left', `${left.available} free ${left.held} held`, 200);
    if (left && left.available === 0 && left.held === 0) {
      // Give the pass back, as a buyer closing the page would, so its slot goes to someone else.
      await this.ask('leave', 'DELETE', `${this.perfPath}/queue`, this.buyer.headers);
      return true;
    }
    await sleep(jitter(left?.available === 0 ? 2_000 : 200));
    return false;
  }

  /**
   * Pays for the hold with one Idempotency-Key: 'ended' when bought or failed for good, 'hold-expired'
   * when the hold ran out first (refunded if charged), 'tried' when out of tries.
   */
  private async pay(
    holdId: string,
    headers: Record<string, string>,
    started: number,
  ): Promise<'ended' | 'hold-expired' | 'tried'> {
    const key = randomUUID();
    const card = this.run.opts.card ?? '4242424242424242';
    for (let tries = 0; tries < MAX_CHECKOUT_ATTEMPTS && this.run.timeLeft() > 0; tries++) {
      const paid: Reply | undefined = await this.ask(
        'checkout',
        'POST',
        `/api/holds/${holdId}/checkout`,
        { ...headers, 'idempotency-key': key },
        { payment: { card } },
      );
      if (paid?.status === 201 || paid?.status === 200) {
        const seatNos = paid.body.seatNos as number[];
        this.record.orderIds.push(paid.body.id as string);
        this.record.seats.push(...seatNos);
        this.run.samplePurchase(Date.now() - started);
        this.run.counts.orders++;
        this.run.counts.seats += seatNos.length;
        this.run.moments.orders.push(Date.now());
        this.finish('bought');
        return 'ended';
      }
      const wait = limited(paid);
      if (wait !== undefined) {
        this.run.count('checkout 429 RATE_LIMITED');
        await sleep(wait);
        continue;
      }
      if (transient(paid) || codeOf(paid) === 'CHECKOUT_IN_PROGRESS') {
        // Same key again: the order is resumed, or taken over once its charger is known dead.
        await sleep(jitter(1_000));
        continue;
      }
      if (paid!.status === 410) return 'hold-expired';
      this.finish('failed', `checkout ${paid!.status} ${codeOf(paid)}`);
      return 'ended';
    }
    return 'tried';
  }
}
