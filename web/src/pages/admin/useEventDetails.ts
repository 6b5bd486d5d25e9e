import { client } from '../../api';
import { useLoad } from '../../hooks';

/** The events (the first 50 the search lists), each with its venue and performances. */
export function useEventDetails() {
  return useLoad(async (signal) => {
    const { events } = await client.events.search({ pageSize: 50 }, signal);
    return Promise.all(events.map((e) => client.events.get(e.id, signal)));
  }, []);
}
