import type { ServerResponse } from 'node:http';
import { Http2ServerResponse } from 'node:http2';
import type { Clock } from '../platform/clock.js';
import type { WaitingRoom } from '../engine/waiting-room/port.js';
import type { Logger } from '../platform/logger.js';
import { API_HEADERS } from '../platform/security-headers.js';
import type { QueueMetrics } from './metrics.js';
import type { PerformanceCache } from '../inventory/performance-cache.js';
import type { QueueService, QueueView } from './service.js';
import { REPLACED, StreamsPerBuyer } from './streams-per-buyer.js';
import { eventName, isFinal, positionData, roughly } from './stream-events.js';

/** Each watched queue's stats are read this often: what a move of the queue waits before anyone hears. */
const WATCH_EVERY_MS = 100;
const PUSH_AT_MOST_EVERY_MS = 1_000;
const KEEPALIVE_EVERY_MS = 15_000;
const HEARTBEAT_EVERY_MS = 15_000;
const OBSERVE_BATCH = 500;
const OBSERVES_IN_FLIGHT = 4;
const RECONNECT = 'event: reconnect\ndata: {}\n\n';

interface Stream {
  userId: string;
  res: ServerResponse;
  write: (chunk: string) => void;
  /**
   * What the last view sent said, so that only changes are pushed: a waiting buyer's place and ETA
   * (compared as numbers, since tens of thousands of streams are looked at on each move of the queue),
   * any other view as its JSON; and its state.
   */
  sentPosition: number | null;
  sentEta: number | null;
  sentEtaState: string | undefined;
  sentSeats: number | undefined;
  sent: string;
  sentState: QueueView['state'] | undefined;
  sentAt: number;
  /** A change that arrived within a second of the last push, to send when the second is over. */
  pending: boolean;
}

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
}

/**
 * The waiting room's SSE streams on this node. Nothing here decides anything: each node watches the
 * engine (one cheap stats read per performance every WATCH_EVERY_MS) and, when the queue has changed, reads
 * the places of all its own streams in batches and pushes what changed — `position` at most once a
 * second per stream, `admitted` with the pass at once. A client that reconnects to any node with
 * Last-Event-ID simply gets its current state again, since the state lives in the engine.
 */
export class QueueStreams {
  private readonly watches = new Map<string, Watch>();
  private readonly perBuyer = new StreamsPerBuyer<() => void>();
  private closing = false;

  constructor(private readonly opts: QueueStreamsOptions) {}

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
    const stream: Stream = {
      userId,
      res,
      write: writerOf(res),
      sentPosition: null,
      sentEta: null,
      sentEtaState: undefined,
      sentSeats: undefined,
      sent: '',
      sentState: undefined,
      sentAt: 0,
      pending: false,
    };
    this.push(stream, initial, this.opts.clock.now());
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
          const entries = await this.opts.engine.queueObserve(
            performanceId,
            batch.map((s) => s.userId),
            now,
          );
          batch.forEach((stream, j) => {
            const entry = entries[j];
            if (entry) this.push(stream, this.opts.queue.view(perf, stream.userId, entry), now);
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

  private push(stream: Stream, view: QueueView, now: number): void {
    // A paused buyer's place still moves (people ahead leave), coalesced like a waiting one's.
    if (view.state === 'waiting' || view.state === 'paused') {
      if (stream.sentState === view.state) {
        if (
          view.position === stream.sentPosition &&
          view.etaSeconds === stream.sentEta &&
          view.etaState === stream.sentEtaState &&
          // Seats as the page rounds them (the watch's rule): one seat sold is not news to everyone.
          roughly(view.seatsLeft) === stream.sentSeats
        ) {
          stream.pending = false;
          return;
        }
        if (now - stream.sentAt < PUSH_AT_MOST_EVERY_MS) {
          stream.pending = true;
          return;
        }
      }
      stream.sentPosition = view.position;
      stream.sentEta = view.etaSeconds;
      stream.sentEtaState = view.etaState;
      stream.sentSeats = roughly(view.seatsLeft);
      stream.sent = '';
      this.send(stream, view, now, view.state === 'paused' ? JSON.stringify(view) : positionData(view));
      return;
    }
    const json = JSON.stringify(view);
    if (json === stream.sent) {
      stream.pending = false;
      return;
    }
    stream.sent = json;
    this.send(
      stream,
      view,
      now,
      view.state === 'admitted' ? JSON.stringify({ pass: view.pass, expiresAt: view.expiresAt }) : json,
    );
  }

  private send(stream: Stream, view: QueueView, now: number, data: string): void {
    stream.write(`id: ${now}\nevent: ${eventName(view)}\ndata: ${data}\n\n`);
    stream.sentState = view.state;
    stream.sentAt = now;
    stream.pending = false;
    if (isFinal(view)) stream.res.end();
  }
}

/**
 * Where a stream's events go. Over HTTP/2, straight to the `Http2Stream`: the compatibility layer's
 * `write` only repeats checks that hold once the first write has sent the headers, and at a move of
 * a long queue it runs once for every stream.
 */
function writerOf(res: ServerResponse): (chunk: string) => void {
  const response = res as unknown;
  if (response instanceof Http2ServerResponse) {
    const h2 = response.stream;
    return (chunk) => void h2.write(chunk);
  }
  return (chunk) => void res.write(chunk);
}
