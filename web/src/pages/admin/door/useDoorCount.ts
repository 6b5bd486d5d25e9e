import { useCallback, useEffect, useState } from 'react';
import type { DoorCount } from '@tmomi/contract/booking';
import { client } from '../../../api';

/** Other doors admit people too: the count is read again this often, and after every scan here. */
const POLL_MS = 4000;

/** The running count of one performance's door (checked in / sold); `refresh` reads it at once. */
export function useDoorCount(performanceId: string): { count: DoorCount | null; refresh: () => void } {
  const [count, setCount] = useState<DoorCount | null>(null);
  const [round, setRound] = useState(0);
  useEffect(() => {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const read = () =>
      client.performances.checkins(performanceId, controller.signal).then(
        (next) => setCount(next),
        // A missed reading is not worth an alarm at the door: the next one comes in a few seconds.
        () => undefined,
      );
    const loop = async () => {
      await read();
      if (!controller.signal.aborted) timer = setTimeout(() => void loop(), POLL_MS);
    };
    void loop();
    return () => {
      controller.abort();
      clearTimeout(timer);
    };
  }, [performanceId, round]);
  const refresh = useCallback(() => setRound((n) => n + 1), []);
  return { count, refresh };
}
