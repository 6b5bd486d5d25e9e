import { LiveSlots } from './live-slots.js';
import type { QueueEntry } from './port.js';
import { decodeState, encodeState, seqOf, STATE_TAG, tagOf } from './state.js';

/** One performance's waiting room in the memory engine (memory.ts runs the operations on it). */
export class Queue {
  constructor(
    /** When the whole queue is forgotten, as its keys expire in Redis (see WaitingRoom in port.ts). */
    public until: number,
  ) {}

  seq = 0;
  /** Whether the pre-queue is sealed (queueSeal): every join since is an arrival after the opening. */
  opened = false;
  /** Whether the draw has placed its entries (queueDraw), which happens once. */
  drawn = false;
  closed: string | null = null;
  /** null: never set (the queue is not paused, and the ticker may set it from PostgreSQL). */
  paused: boolean | null = null;
  admittedTotal = 0;
  /** The funnel's counters (QueueStats); `seq` is the number of entries ever created. */
  prequeued = 0;
  left = 0;
  passesExpired = 0;
  version = 0;
  readonly states = new Map<string, string>();
  readonly seen = new Map<string, number>();
  /**
   * The pre-queue's users, in arrival order: one who left is taken out, and one who comes back before
   * the seal goes to the end (as Redis's set, scored by sequence). Emptied by the draw's placement.
   */
  readonly pre = new Set<string>();
  /** Waiting order: slot → user; `head` is the first slot admission has not passed yet. */
  readonly order: string[] = [];
  readonly slotOf = new Map<string, number>();
  slots = new LiveSlots();
  head = 0;
  /** Unconsumed passes: user → expiry. */
  readonly active = new Map<string, number>();
  /**
   * A restore under way (memory-restore.ts, as restore.lua's `restoring`): the shift its first run gave
   * the entries it renumbered and the sequence the queue had then; nobody is admitted meanwhile.
   */
  restoring: { shift: number; base: number } | null = null;
  /** During a restore, the places of the entries it wrote (the order is rebuilt from them). */
  readonly placeOf = new Map<string, number>();

  enqueue(userId: string): void {
    const slot = this.order.length;
    this.order.push(userId);
    this.slotOf.set(userId, slot);
    this.slots.set(slot, true);
  }

  dequeue(userId: string): void {
    const slot = this.slotOf.get(userId);
    if (slot === undefined) return;
    this.slots.set(slot, false);
    this.slotOf.delete(userId);
  }

  /** No one joins the pre-queue after this; once. */
  seal(): void {
    if (this.opened) return;
    this.opened = true;
    this.version++;
  }

  /**
   * queueDraw on a queue not drawn yet: the drawn users who are waiting or in the pre-queue (and, with
   * `enter`, those with no live entry) at their places, then the rest of the pre-queue in arrival
   * order, ahead of every later arrival. Returns how many it placed.
   */
  draw(userIds: readonly string[], now: number, enter: boolean): number {
    this.seal();
    const placed: string[] = [];
    for (const userId of new Set(userIds)) {
      // By the stored tag, not entry(): a draw may name 100,000 users.
      const raw = this.states.get(userId);
      const tag = raw === undefined ? undefined : tagOf(raw);
      if (tag === STATE_TAG.prequeue) {
        this.pre.delete(userId);
        this.states.set(userId, encodeState('waiting', seqOf(raw!)));
      } else if (tag !== STATE_TAG.waiting) {
        if (tag === STATE_TAG.admitted && decodeState(raw!, now).state === 'admitted') continue;
        // No entry, or a finished one: a new entry for a registrant; who left the pre-queue stays out.
        if (!enter) continue;
        this.states.set(userId, encodeState('waiting', ++this.seq));
        this.seen.set(userId, now);
      }
      placed.push(userId);
    }
    for (const userId of this.pre) {
      this.states.set(userId, encodeState('waiting', seqOf(this.states.get(userId)!)));
      placed.push(userId);
    }
    this.pre.clear();
    this.placeFirst(placed);
    this.drawn = true;
    this.version++;
    return placed.length;
  }

  /**
   * The draw's placement: these users first, in this order, then everyone still waiting, in their
   * order. The order is built anew (the slots behind `head` are spent), once per queue.
   */
  private placeFirst(userIds: readonly string[]): void {
    const first = new Set(userIds);
    // Each at the slot they hold now: one who left and joined again also has a spent slot in `order`.
    const rest = this.order.filter((u, slot) => this.slotOf.get(u) === slot && !first.has(u));
    this.order.length = 0;
    this.slotOf.clear();
    this.slots = new LiveSlots();
    this.head = 0;
    for (const userId of [...userIds, ...rest]) this.enqueue(userId);
  }

  /** Frees the slots of passes run out unused, counting them, as admit.lua's sweep does. */
  expirePasses(now: number): void {
    for (const [userId, expiresAt] of this.active) {
      if (expiresAt > now) continue;
      this.active.delete(userId);
      this.passesExpired++;
    }
  }

  entry(userId: string, now: number): QueueEntry | null {
    const raw = this.states.get(userId);
    if (raw === undefined) return null;
    const decoded = decodeState(raw, now);
    const slot = this.slotOf.get(userId);
    // A pre-queue still to be placed goes ahead of every later arrival.
    const position =
      decoded.state === 'waiting' && slot !== undefined
        ? this.slots.countBefore(slot) + 1 + this.pre.size
        : null;
    return { ...decoded, position, closed: this.closed, paused: this.paused === true };
  }
}
