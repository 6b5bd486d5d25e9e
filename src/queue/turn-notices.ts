/**
 * "It's your turn" by mail, for a waiter admitted while no stream or poll of theirs was open (src/mail
 * implements it). Whether a buyer is watching is known by whichever node serves their stream, so the
 * ticker cannot ask; instead each admission queues a notice that waits a few seconds, and any node that
 * shows the buyer their pass (the stream's `admitted` event, a poll, a join) cancels it in PostgreSQL.
 */
export interface TurnNotices {
  admitted(
    performanceId: string,
    entries: { userId: string; passId: number; expiresAt: number }[],
  ): Promise<void>;
  seen(performanceId: string, userId: string, passId: number): void;
}
