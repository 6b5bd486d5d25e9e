import type { ServerResponse } from 'node:http';
import type { Clock } from '../platform/clock.js';
import type { WaitingRoom } from '../engine/waiting-room/port.js';
import type { Logger } from '../platform/logger.js';
import { API_HEADERS } from '../platform/security-headers.js';
import type { QueueMetrics } from './metrics.js';
import type { PerformanceCache } from '../inventory/performance-cache.js';
import type { QueueService } from './service.js';
import { REPLACED, StreamsPerBuyer } from './streams-per-buyer.js';
import { roughly } from './stream-events.js';
import { newStream, push, type Stream } from './stream-push.js';
import { isFinal, withWaitlist, type QueueView } from './views.js';
import type { MarkChange, WaitlistMarks } from './waitlist-marks.js';
import type { WaitlistMark } from '../engine/waitlist/port.js';

/** Each watched queue's stats are read this often: what a move of the queue waits before anyone hears. */
const WATCH_EVERY_MS = 100;
const KEEPALIVE_EVERY_MS = 15_000;
const HEARTBEAT_EVERY_MS = 15_000;
const OBSERVE_BATCH = 500;
const OBSERVES_IN_FLIGHT = 4;
const RECONNECT = 'event: reconnect\ndata: {}\n\n';

interface Watch {
  streams: Set<Stream>;
  version: number;
  /** What the queue's outlook said at the last observation (see refresh). */
  outlook: string;
  observedAt: number;
  timer: NodeJS.Timeout;
  busy: boolean;
}

export interface QueueStreamsOptions {
  engine: WaitingRoom;
  queue: QueueService;
  performances: PerformanceCache;
  clock: Clock;
  metrics: QueueMetrics;
  logger: Logger;
  /** The waiting list's marks: a buyer on it keeps their stream, and hears of its offer (decision 028). */
  marks: Pick<WaitlistMarks, 'read' | 'listen'>;
}

/** What a buyer with no place here hears once they are off the waiting list too: the stream ends. */
const OFF_THE_LIST: QueueView = { state: 'left', position: null, etaSeconds: null };

/**
 * The waiting room's SSE streams on this node. Nothing here decides anything: each node watches the
 * engine (one cheap stats read per performance every WATCH_EVERY_MS) and, when the queue has changed, reads
 * the places of all its own streams in batches and pushes what changed — `position` at most once a
 * second per stream, `admitted` with the pass at once. A buyer on the waiting list keeps their stream
 * when their place is over (`waitlisted`), and hears of its offers (`offer`) the moment any node makes
 * one, over the engine's pub/sub. A client that reconnects to any node with Last-Event-ID simply gets
 * its current state again, since the state lives in the engine.
 */
export class QueueStreams {
  private readonly watches = new Map<string, Watch>();
  private readonly perBuyer = new StreamsPerBuyer<() => void>();
  private closing = false;
  private stopListening: (() => Promise<void>) | undefined;
  /** Reads of places and marks this node started, numbered: which of two answers is the newer. */
  private reads = 0;

  constructor(private readonly opts: QueueStreamsOptions) {}

  /**
   * Listens for the waiting list's offers on every node's channel: the node holding a buyer's stream
   * reads their place and mark at once and pushes the `offer` (the watch's refresh reads marks only of
   * those with no live place, and only when the queue moved).
   */
  async listen(): Promise<void> {
    this.stopListening ??= await this.opts.marks.listen((change) => void this.markChanged(change));
  }

  async stopListen(): Promise<void> {
    await this.stopListening?.();
    this.stopListening = undefined;
  }

  /**
   * Takes over the response for the life of the stream, starting with `initial` (the caller's current
   * view, read before the response was hijacked so that errors could still be answered as JSON).
   */
  open(
    performanceId: string,
    userId: string,
    initial: QueueView,
    res: ServerResponse,
    requestId: string,
  ): void {
    // Hijacked, so the headers Fastify's reply carries are not sent: the security set is added here.
    res.writeHead(200, {
      ...API_HEADERS,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      // nginx and some balancers buffer responses unless told not to; a buffered stream is a dead one.
      'x-accel-buffering': 'no',
      'x-request-id': requestId,
    });
    res.write('retry: 2000\n\n');
    this.opts.metrics.sseStreams.inc();
    const stream = newStream(userId, res);
    push(stream, initial, this.opts.clock.now(), true);
    if (isFinal(initial)) {
      res.end();
      return;
    }
    if (this.closing) {
      // Asked for before the drain began and answered after it: send it elsewhere too, or it would
      // hold this node open for as long as its buyer waits.
      res.end(RECONNECT);
      return;
    }
    const watch = this.watch(performanceId);
    watch.streams.add(stream);
    this.opts.metrics.sseConnections.inc();
    const heartbeat = setInterval(() => stream.write(': heartbeat\n\n'), HEARTBEAT_EVERY_MS);
    heartbeat.unref();
    // Displaced by a newer stream of its buyer: out of its watch at once, so nothing is written after
    // the end ('close' comes later and does the rest).
    const displace = () => {
      clearInterval(heartbeat);
      watch.streams.delete(stream);
      res.end(REPLACED);
    };
    this.perBuyer.add(userId, displace)?.();
    res.once('close', () => {
      clearInterval(heartbeat);
      watch.streams.delete(stream);
      this.perBuyer.remove(userId, displace);
      this.opts.metrics.sseConnections.dec();
      if (watch.streams.size === 0) {
        clearInterval(watch.timer);
        this.watches.delete(performanceId);
      }
    });
  }

  /**
   * Graceful shutdown: end every stream with a `reconnect` event; EventSource reconnects by itself,
   * through the balancer, to a node that is not draining, and resumes from the engine.
   */
  closeAll(): void {
    this.closing = true;
    for (const watch of this.watches.values()) {
      clearInterval(watch.timer);
      for (const stream of watch.streams) stream.res.end(RECONNECT);
    }
    this.watches.clear();
  }

  get size(): number {
    let n = 0;
    for (const watch of this.watches.values()) n += watch.streams.size;
    return n;
  }

  private watch(performanceId: string): Watch {
    let watch = this.watches.get(performanceId);
    if (!watch) {
      const created: Watch = {
        streams: new Set(),
        version: -1,
        outlook: '',
        observedAt: 0,
        busy: false,
        timer: setInterval(() => void this.refresh(performanceId, created), WATCH_EVERY_MS),
      };
      created.timer.unref();
      this.watches.set(performanceId, created);
      watch = created;
    }
    return watch;
  }

  private async refresh(performanceId: string, watch: Watch): Promise<void> {
    if (watch.busy || this.closing) return;
    watch.busy = true;
    try {
      const now = this.opts.clock.now();
      const stats = await this.opts.engine.queueStats(performanceId, now);
      const rates = this.opts.queue.rates;
      rates.record(performanceId, stats);
      const perf = await this.opts.performances.get(performanceId);
      await rates.refreshSeats(perf);
      // A stall changes nothing in the engine (that is what it is), so the version does not move: the
      // outlook's state, and the seats left as the page rounds them, are watched besides.
      const outlook = `${rates.outlook(perf).state}:${roughly(rates.seatsLeft(performanceId))}`;
      const changed = stats.version !== watch.version || outlook !== watch.outlook;
      let anyPending = false;
      for (const stream of watch.streams) {
        if (stream.pending) {
          anyPending = true;
          break;
        }
      }
      // Observing also marks the streams' users seen, so an open stream keeps its place.
      if (!changed && !anyPending && now - watch.observedAt < KEEPALIVE_EVERY_MS) return;
      watch.version = stats.version;
      watch.outlook = outlook;
      watch.observedAt = now;
      const streams = [...watch.streams];
      // A few batches in flight, so that the engine reads one while this node writes out the last.
      let next = 0;
      const observeRest = async () => {
        while (next < streams.length) {
          const batch = streams.slice(next, (next += OBSERVE_BATCH));
          const seq = ++this.reads;
          const entries = await this.opts.engine.queueObserve(
            performanceId,
            batch.map((s) => s.userId),
            now,
          );
          const views = batch.map((s, j) => {
            const entry = entries[j];
            return entry ? this.opts.queue.view(perf, s.userId, entry) : null;
          });
          // Whoever has no live place here may be on the waiting list: their marks, in one read.
          const unplaced: number[] = [];
          views.forEach((view, j) => (view === null || isFinal(view)) && unplaced.push(j));
          const read =
            unplaced.length === 0
              ? []
              : await this.opts.marks.read(
                  performanceId,
                  unplaced.map((j) => batch[j]!.userId),
                  now,
                );
          const marks = new Array<WaitlistMark | null | undefined>(batch.length);
          unplaced.forEach((j, k) => (marks[j] = read[k] ?? null));
          batch.forEach((stream, j) => {
            const mark = marks[j];
            if (mark === undefined) this.settle(stream, views[j] ?? null, now, false, seq);
            else this.settle(stream, withWaitlist(views[j] ?? null, mark), now, true, seq);
          });
        }
      };
      await Promise.all(Array.from({ length: OBSERVES_IN_FLIGHT }, observeRest));
    } catch (err) {
      this.opts.logger.warn({ err, performanceId }, 'queue stream refresh failed');
    } finally {
      watch.busy = false;
    }
  }

  /**
   * Pushes a stream's new view, read as the `seq`th read of this node's; none, for a buyer the waiting
   * list kept here, ends it. A view read before the last one pushed (a refresh's batch overtaken by a
   * buyer's offer news) is dropped: it could say an offer is gone, or end the stream, for no reason.
   */
  private settle(stream: Stream, view: QueueView | null, now: number, offerKnown: boolean, seq: number) {
    if (stream.res.writableEnded || stream.readSeq > seq) return;
    stream.readSeq = seq;
    const next = view ?? (stream.sentState === 'waitlisted' ? OFF_THE_LIST : null);
    if (next) push(stream, next, now, offerKnown);
  }

  /**
   * A buyer's offer came or went: their streams on this node get their place and mark afresh. Offers
   * are few (one per batch of seats that comes back), so finding the buyer's streams by a walk through
   * the performance's is cheap enough, and costs the streams nothing in between.
   */
  private async markChanged({ performanceId, userId }: MarkChange): Promise<void> {
    const own = [...(this.watches.get(performanceId)?.streams ?? [])].filter((s) => s.userId === userId);
    if (own.length === 0) return;
    try {
      const seq = ++this.reads;
      const view = await this.opts.queue.current(performanceId, userId);
      const now = this.opts.clock.now();
      for (const stream of own) this.settle(stream, view, now, true, seq);
    } catch (err) {
      this.opts.logger.warn({ err, performanceId }, "waiting list's offer not pushed");
    }
  }
}
