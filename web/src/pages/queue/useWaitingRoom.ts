import { useEffect, useState } from 'react';
import { useNavigate } from 'react-router';
import type { QueueView } from '@tmomi/contract/queue';
import { client } from '../../api';
import { savePass } from '../../passes';
import { throughTheDoor } from './door';

/** States after which nothing more will come: the stream and the polling stop. */
export const FINAL = new Set<QueueView['state']>(['expired', 'closed', 'left', 'consumed']);
const POLL_EVERY_MS = 3000;

export interface WaitingRoomState {
  view: QueueView | null;
  error: unknown;
  /** Whether the live stream is connected (false while EventSource reconnects, or when polling). */
  live: boolean;
  /** The place at joining: the progress bar runs from there to the front. */
  firstPosition: number | null;
  /** Whether the buyer was `waitlisted` here: a final state then means their time on the list ended. */
  wasWaitlisted: boolean;
  /** Join again after an error or a final state. */
  rejoin: () => void;
  /** Leave the waiting room; never fails (the entry goes stale anyway). */
  leave: () => Promise<void>;
}

/**
 * Joins the waiting room and follows it live over Server-Sent Events. A buyer on the waiting list of a
 * sold-out performance stays (`waitlisted`) and hears of the list's offer (`offer` events) here too. EventSource reconnects by itself
 * after a network drop or a node shutting down (the server resumes with the current place); if the
 * stream is refused outright, or ended for a newer one of the same buyer, this falls back to polling. When admitted, the pass is kept in
 * sessionStorage and the buyer is taken to the seats.
 */
export function useWaitingRoom(id: string): WaitingRoomState {
  const navigate = useNavigate();
  const [view, setView] = useState<QueueView | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [live, setLive] = useState(true);
  const [round, setRound] = useState(0);
  const [firstPosition, setFirstPosition] = useState<number | null>(null);
  const [wasWaitlisted, setWasWaitlisted] = useState(false);

  useEffect(() => {
    const controller = new AbortController();
    let source: EventSource | null = null;
    let poller: ReturnType<typeof setInterval> | undefined;
    let finished = false;

    const stop = () => {
      finished = true;
      source?.close();
      clearInterval(poller);
    };
    /**
     * A new view. A join's or a poll's says whether there is an offer; a stream's state events never
     * carry one (it comes in `offer` events), so the one known stays.
     */
    const apply = (next: QueueView, keepOffer = false) => {
      if (finished) return;
      setView((last) => (keepOffer && last?.offer ? { ...next, offer: last.offer } : next));
      if (next.state === 'waitlisted') setWasWaitlisted(true);
      const position = next.position;
      if (position !== null) setFirstPosition((first) => first ?? position);
      if (next.state === 'admitted' && next.pass && next.expiresAt) {
        stop();
        savePass(id, { pass: next.pass, expiresAt: next.expiresAt });
        void navigate(`/performances/${id}/seats`, { replace: true });
      } else if (FINAL.has(next.state)) {
        stop();
      }
    };
    const poll = () => {
      if (poller !== undefined) return;
      poller = setInterval(() => {
        client.queue.me(id, controller.signal).then(apply, setError);
      }, POLL_EVERY_MS);
    };
    const listen = () => {
      source = new EventSource(client.queue.eventsUrl(id));
      source.onopen = () => setLive(true);
      source.onerror = () => {
        if (finished) return;
        setLive(false);
        // CLOSED means the browser gave up (the stream was refused, not dropped): poll instead.
        if (source?.readyState === EventSource.CLOSED) poll();
      };
      const read = (handler: (data: Record<string, unknown>) => void) => (event: MessageEvent<string>) => {
        setLive(true);
        handler(JSON.parse(event.data) as Record<string, unknown>);
      };
      source.addEventListener(
        'position',
        read((data) =>
          apply(
            {
              ...(data as Partial<QueueView>),
              state: 'waiting',
              position: data.position as number | null,
              etaSeconds: data.etaSeconds as number | null,
            },
            true,
          ),
        ),
      );
      source.addEventListener(
        'admitted',
        read((data) => apply({ state: 'admitted', position: null, etaSeconds: null, ...data }, true)),
      );
      // The waiting list's offer came ({offer}) or went ({offer: null}), whatever the place says.
      source.addEventListener(
        'offer',
        read((data) => {
          const offer = (data.offer ?? undefined) as QueueView['offer'];
          if (!finished) setView((last) => last && { ...last, offer });
        }),
      );
      // The server ended this stream for a newer one of the same buyer (another tab): poll instead,
      // rather than reconnect and end that one in turn.
      source.addEventListener('replaced', () => {
        source?.close();
        setLive(false);
        poll();
      });
      for (const name of ['prequeue', 'paused', 'expired', 'closed', 'waitlisted'])
        source.addEventListener(
          name,
          read((data) => apply(data as unknown as QueueView, true)),
        );
    };

    const join = () =>
      throughTheDoor(id, controller.signal, (challenge) =>
        client.queue.join(id, controller.signal, challenge),
      );
    join().then(
      (joined) => {
        apply(joined);
        if (!finished) listen();
      },
      (err: unknown) => {
        if (!controller.signal.aborted) setError(err);
      },
    );
    return () => {
      stop();
      controller.abort();
    };
  }, [id, round, navigate]);

  const rejoin = () => {
    setError(null);
    setFirstPosition(null);
    setWasWaitlisted(false);
    setRound((n) => n + 1);
  };
  const leave = () => client.queue.leave(id).catch(() => undefined);

  return { view, error, live, firstPosition, wasWaitlisted, rejoin, leave };
}
