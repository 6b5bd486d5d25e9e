/**
 * Streams one buyer may hold open on this node: a few tabs or devices. A new one past it ends the
 * oldest (docs/decisions/018-per-buyer-limits.md). Counted per node, where it is exact and costs
 * nothing: counting across nodes would add an engine write to every open and close, and a message to
 * whichever node holds the oldest; behind N nodes a buyer holds at most N times this many.
 */
export const STREAMS_PER_BUYER = 3;

/**
 * How a stream displaced by a newer one of its buyer ends: `replaced` tells the app to poll instead,
 * and the long retry keeps a client that ignores it from displacing the newer one two seconds later.
 */
export const REPLACED = 'retry: 60000\nevent: replaced\ndata: {}\n\n';

/** Each buyer's open streams, oldest first, at most STREAMS_PER_BUYER. */
export class StreamsPerBuyer<S> {
  private readonly byBuyer = new Map<string, S[]>();

  /** Counts `stream` in; returns the buyer's oldest when that makes one too many, counted out already. */
  add(userId: string, stream: S): S | undefined {
    const own = this.byBuyer.get(userId) ?? [];
    this.byBuyer.set(userId, own);
    own.push(stream);
    return own.length > STREAMS_PER_BUYER ? own.shift() : undefined;
  }

  /** Counts `stream` out (nothing if it was displaced already). */
  remove(userId: string, stream: S): void {
    const own = this.byBuyer.get(userId);
    const at = own?.indexOf(stream) ?? -1;
    if (at >= 0) own!.splice(at, 1);
    if (own?.length === 0) this.byBuyer.delete(userId);
  }
}
