/**
 * Where a ticket (one seat of one performance) stands, as stored in `tickets.status`. A held ticket
 * whose `held_until` has passed counts as available everywhere. A blocked one (decision 033: in the
 * venue's layout, or by an organizer for this performance) is never held, sold or shown free. The PL/pgSQL in `db/functions/` uses
 * the same numbers (SQL cannot import this file); `test/db-functions.test.ts` holds them together.
 */
export const TicketStatus = { Available: 0, Held: 1, Sold: 2, Blocked: 3 } as const;
export type TicketStatus = (typeof TicketStatus)[keyof typeof TicketStatus];
