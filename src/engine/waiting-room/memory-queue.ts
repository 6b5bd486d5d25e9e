import { randomInt } from 'node:crypto';
import { LiveSlots } from './live-slots.js';
import type { QueueEntry } from './port.js';
import { decodeState, encodeState, seqOf, STATE_TAG } from './state.js';

/** One performance's waiting room in the memory engine (memory.ts runs the operations on it). */
export class Queue {
  constructor(
    /** When the whole queue is forgotten, as its keys expire in Redis (see WaitingRoom in port.ts). */
    public until: number,
  ) {}

  seq = 0;
  opened = false;
  /** Whether the lottery's draw has placed its entries (queueDraw), which happens once. */
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
  /** Pre-queue arrivals in arrival order; entries that left are filtered out at opening. */
  pre: string[] = [];
  preCount = 0;
  /** Waiting order: slot → user; `head` is the first slot admission has not passed yet. */
  readonly order: string[] = [];
  readonly slotOf = new Map<string, number>();
  slots = new LiveSlots();
  head = 0;
  /** Unconsumed passes: user → expiry. */
  readonly active = new Map<string, number>();

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

  open(): number {
    if (this.opened) return 0;
    this.opened = true;
    // Once each: someone who left the pre-queue and came back is in `pre` twice (Redis's set has them once).
    const placed = [...new Set(this.pre)].filter((u) => this.states.get(u)?.[0] === STATE_TAG.prequeue);
    // Fisher–Yates with a CSPRNG: the order among early arrivals must not be predictable.
    for (let i = placed.length - 1; i > 0; i--) {
      const j = randomInt(i + 1);
      [placed[i], placed[j]] = [placed[j]!, placed[i]!];
    }
    for (const userId of placed) {
      this.states.set(userId, encodeState('waiting', seqOf(this.states.get(userId)!)));
      this.enqueue(userId);
    }
    this.pre = [];
    this.preCount = 0;
    this.version++;
    return placed.length;
  }

  /**
   * The draw's placement: these users first, in this order, then everyone still waiting, in their
   * order. The order is built anew (the slots behind `head` are spent), once per queue.
   */
  placeFirst(userIds: readonly string[]): void {
    const first = new Set(userIds);
    const rest = this.order.slice(this.head).filter((u) => this.slotOf.has(u) && !first.has(u));
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
    const position =
      decoded.state === 'waiting' && slot !== undefined ? this.slots.countBefore(slot) + 1 : null;
    return { ...decoded, position, closed: this.closed, paused: this.paused === true };
  }
}
