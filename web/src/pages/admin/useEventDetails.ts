import { client } from '../../api';
import { useLoad } from '../../hooks';
import { useSession } from '../../session';

/**
 * Every event of the caller's organizations (with `from`, those with a performance starting from
 * then), each with its venue and performances. The event pages come from the nodes' memory, so a long list costs them little.
 */
export function useEventDetails(from?: string) {
  // An organization's members see its events; a platform admin sees every one.
  const { organizations, staffRole } = useSession();
  const mine = staffRole === 'admin' ? null : (organizations ?? []).map((o) => o.id).join(',');
  return useLoad(
    async (signal) => {
      const all = await client.events.all(from === undefined ? {} : { from }, signal);
      const events = mine === null ? all : all.filter((e) => mine.split(',').includes(e.organizationId));
      return Promise.all(events.map((e) => client.events.get(e.id, signal)));
    },
    [from, mine],
  );
}
