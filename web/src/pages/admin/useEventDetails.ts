import { client } from '../../api';
import { useLoad } from '../../hooks';

/**
 * Every event (with `from`, those with a performance starting from then), each with its venue and
 * performances. The event pages come from the nodes' memory, so a long list costs them little.
 */
export function useEventDetails(from?: string) {
  return useLoad(
    async (signal) => {
      const events = await client.events.all(from === undefined ? {} : { from }, signal);
      return Promise.all(events.map((e) => client.events.get(e.id, signal)));
    },
    [from],
  );
}
