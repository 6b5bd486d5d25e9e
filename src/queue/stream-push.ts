import type { ServerResponse } from 'node:http';
import { Http2ServerResponse } from 'node:http2';
import { eventName, offerEvent, positionData, roughly } from './stream-events.js';
import { isFinal, type QueueView } from './views.js';

const PUSH_AT_MOST_EVERY_MS = 1_000;

/** One buyer's open stream, and what it was last told. */
export interface Stream {
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
  /** The hold of the waiting list's offer last told ('' for none). */
  sentOffer: string;
  /** Which read of its node the last view pushed came from (QueueStreams numbers them). */
  readSeq: number;
  /** A change that arrived within a second of the last push, to send when the second is over. */
  pending: boolean;
}

export function newStream(userId: string, res: ServerResponse): Stream {
  return {
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
    sentOffer: '',
    readSeq: 0,
    pending: false,
  };
}

/** A view's JSON as a state's event carries it: the offer travels in its own event. */
const stateJson = (view: QueueView) => JSON.stringify(view.offer ? { ...view, offer: undefined } : view);

/**
 * Tells the stream what changed in `view`: the waiting list's offer first, when it came or went
 * (`offerKnown`: false when the caller did not read the buyer's mark, which then says nothing of it),
 * then the place — `position` at most once a second, any other state when it differs from the last.
 * A final state ends the stream.
 */
export function push(stream: Stream, view: QueueView, now: number, offerKnown: boolean): void {
  const offer = view.offer?.holdId ?? '';
  if (offerKnown && offer !== stream.sentOffer) {
    stream.write(offerEvent(now, view.offer));
    stream.sentOffer = offer;
  }
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
    send(stream, view, now, view.state === 'paused' ? stateJson(view) : positionData(view));
    return;
  }
  const json = stateJson(view);
  if (json === stream.sent) {
    stream.pending = false;
    return;
  }
  stream.sent = json;
  send(
    stream,
    view,
    now,
    view.state === 'admitted' ? JSON.stringify({ pass: view.pass, expiresAt: view.expiresAt }) : json,
  );
}

function send(stream: Stream, view: QueueView, now: number, data: string): void {
  stream.write(`id: ${now}\nevent: ${eventName(view)}\ndata: ${data}\n\n`);
  stream.sentState = view.state;
  stream.sentAt = now;
  stream.pending = false;
  if (isFinal(view)) stream.res.end();
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
