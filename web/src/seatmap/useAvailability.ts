import { useCallback, useEffect, useRef, useState } from 'react';
import { decodeBitset } from '@tmomi/contract/bitset';
import { client } from '../api';

export interface LiveAvailability {
  bits: Uint8Array | null;
  version: number;
  /** Read again now (after a hold or a "seat taken" answer) instead of at the next tick. */
  refresh: () => void;
}

/**
 * Polls a performance's availability bitset with If-None-Match, so an unchanged map costs a 304 and no
 * decoding. Polling pauses while the tab is hidden and picks up at once when it is shown again.
 */
export function useAvailability(performanceId: string, everyMs = 2000): LiveAvailability {
  const [state, setState] = useState<{ bits: Uint8Array | null; version: number }>({
    bits: null,
    version: -1,
  });
  const etag = useRef<string | null>(null);
  const kick = useRef<() => void>(() => undefined);

  useEffect(() => {
    etag.current = null;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    const controller = new AbortController();
    const read = async () => {
      clearTimeout(timer);
      try {
        const changed = await client.performances.availability(
          performanceId,
          etag.current,
          controller.signal,
        );
        if (changed) {
          etag.current = changed.etag;
          const { available, version } = changed.availability;
          setState({ bits: decodeBitset(available), version });
        }
      } catch {
        // A missed read is retried at the next tick; the map keeps its last picture meanwhile.
      }
      // Cleared first: a refresh() during a read must not leave two polling loops behind.
      clearTimeout(timer);
      if (!stopped && !document.hidden) timer = setTimeout(() => void read(), everyMs);
    };
    const onVisible = () => {
      if (!document.hidden) void read();
    };
    kick.current = () => void read();
    void read();
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      stopped = true;
      controller.abort();
      clearTimeout(timer);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, [performanceId, everyMs]);

  const refresh = useCallback(() => kick.current(), []);
  return { ...state, refresh };
}
