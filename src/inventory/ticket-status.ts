/**
 * Where a ticket (one seat of one performance) stands, as stored in `tickets.status`. A held ticket
 * whose `held_until` has passed counts as available everywhere. The PL/pgSQL in `db/functions/` uses
 * the same numbers (SQL cannot import this file); `test/db-functions.test.ts` holds them together.
 */
export const TicketStatus = { Available: 0, Held: 1, Sold: 2 } as const;
export type TicketStatus = (typeof TicketStatus)[keyof typeof TicketStatus];
