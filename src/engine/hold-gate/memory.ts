import type { Clock } from '../../platform/clock.js';
import {
  GATE_PROVISIONAL_MS,
  type GateAcquireResult,
  type GateHold,
  type GateHoldRef,
  type HoldGate,
} from './port.js';
import { createMemoryVersions } from '../availability/memory.js';
import type { RateLimitResult } from '../coordination/port.js';
import { holdWindowKey } from '../keys.js';

/**
 * A seat's mark: held by a hold until an instant, or sold (holdId null). `provisionalUntil`: made by an
 * acquire, believed on its own until then (a rebuild's marks have none: PostgreSQL placed them).
 */
type Mark = { holdId: string | null; expiresAt: number; provisionalUntil?: number };
/** A buyer's hold as counted for the cap; `seat`: one of its seats, to ask the seat map about. */
type Counted = { count: number; expiresAt: number; provisionalUntil?: number; seat?: number };
type Buyer = { sold: number; holds: Map<string, Counted> };
/** `marksUntil`: the marks outlive the ready flag (twice the rebuild's ttl), as their keys do in Redis. */
type Gate = { readyUntil: number; marksUntil: number; seats: Map<number, Mark>; buyers: Map<string, Buyer> };

/**
 * The hold gate for the memory engine; every call completes without awaiting, hence atomic. A gate
 * and a version are forgotten when their Redis keys would expire: lazily, and in `forgetExpired`.
 * `shownFree` reads the memory engine's seat map: undefined when there is none.
 */
export function createMemoryHoldGate(
  clock: Clock,
  shownFree: (perf: string, seat: number) => boolean | undefined,
  hitWindow: (key: string, limit: number, windowMs: number) => RateLimitResult,
): { ops: HoldGate; forgetExpired(now: number): void } {
  const gates = new Map<string, Gate>();
  const versions = createMemoryVersions(clock);
  const gateOf = (perf: string) => {
    const gate = gates.get(perf);
    if (gate && gate.marksUntil <= clock.now()) {
      gates.delete(perf);
      return undefined;
    }
    return gate;
  };
  const forgetExpired = (now: number) => {
    for (const [perf, gate] of gates) if (gate.marksUntil <= now) gates.delete(perf);
    versions.forgetExpired(now);
  };

  const buyerOf = (gate: Gate, userId: string) => {
    let buyer = gate.buyers.get(userId);
    if (!buyer) gate.buyers.set(userId, (buyer = { sold: 0, holds: new Map() }));
    return buyer;
  };
  const unmarkHold = (gate: Gate, hold: GateHoldRef) => {
    for (const seat of hold.seatNos)
      if (gate.seats.get(seat)?.holdId === hold.holdId) gate.seats.delete(seat);
    gate.buyers.get(hold.userId)?.holds.delete(hold.holdId);
  };

  /** Whether a hold's mark (or count) still stands at `now` (GATE_PROVISIONAL_MS says why). */
  const stands = (
    perf: string,
    h: Pick<Counted, 'expiresAt' | 'provisionalUntil'>,
    seat: number | undefined,
    now: number,
  ) =>
    h.expiresAt > now &&
    (h.provisionalUntil === undefined ||
      h.provisionalUntil > now ||
      seat === undefined ||
      shownFree(perf, seat) !== true);

  const acquire = (perf: string, gate: Gate, hold: GateHold, cap: number, now: number): GateAcquireResult => {
    const taken = hold.seatNos.filter((seat) => {
      const mark = gate.seats.get(seat);
      return mark !== undefined && (mark.holdId === null || stands(perf, mark, seat, now));
    });
    if (taken.length > 0) return { outcome: 'taken', seatNos: taken };
    const buyer = buyerOf(gate, hold.userId);
    let count = buyer.sold;
    for (const [id, h] of buyer.holds) {
      if (stands(perf, h, h.seat, now)) count += h.count;
      else buyer.holds.delete(id);
    }
    if (count + hold.seatNos.length > cap) return { outcome: 'limit', count };
    const provisionalUntil = now + GATE_PROVISIONAL_MS;
    const { expiresAt } = hold;
    buyer.holds.set(hold.holdId, {
      count: hold.seatNos.length,
      expiresAt,
      provisionalUntil,
      seat: hold.seatNos[0],
    });
    for (const seat of hold.seatNos)
      gate.seats.set(seat, { holdId: hold.holdId, expiresAt, provisionalUntil });
    return { outcome: 'held' };
  };

  const ops: HoldGate = {
    gateAcquire: async (perf, hold, cap, now) => (await ops.gateAcquireMany(perf, [{ hold, cap }], now))[0]!,
    gateAcquireMany: async (perf, requests, now) => {
      const gate = gateOf(perf);
      const ready = gate !== undefined && gate.readyUntil > clock.now();
      return requests.map(({ hold, cap, limit }): GateAcquireResult => {
        if (limit) {
          const window = hitWindow(holdWindowKey(perf, hold.userId), limit.max, limit.windowMs);
          if (!window.allowed) return { outcome: 'limited', retryAfterMs: window.retryAfterMs };
        }
        return ready ? acquire(perf, gate, hold, cap, now) : { outcome: 'unloaded' };
      });
    },

    gateRelease: async (perf, hold, now) => {
      const gate = gateOf(perf);
      if (gate) unmarkHold(gate, hold);
      versions.bump(perf, now);
    },

    gateSell: (perf, hold) => ops.gateSellMany(perf, [hold]),
    gateSellMany: async (perf, holds) => {
      const gate = gateOf(perf);
      if (!gate) return;
      for (const hold of holds) {
        unmarkHold(gate, hold);
        for (const seat of hold.seatNos) gate.seats.set(seat, { holdId: null, expiresAt: Infinity });
        buyerOf(gate, hold.userId).sold += hold.seatNos.length;
      }
    },

    gateUnsell: async (perf, userId, seatNos, now) => {
      const gate = gateOf(perf);
      if (gate) {
        let freed = 0;
        for (const seat of seatNos) {
          if (gate.seats.get(seat)?.holdId === null) {
            gate.seats.delete(seat);
            freed++;
          }
        }
        const buyer = gate.buyers.get(userId);
        if (buyer) buyer.sold = Math.max(0, buyer.sold - freed);
      }
      versions.bump(perf, now);
    },

    gateVersion: async (perf, now) => versions.version(perf, now),

    gateLoad: async (perf, snapshot, v, ttlMs) => {
      if (versions.live(perf) !== v) return false;
      const at = clock.now();
      const gate: Gate = {
        readyUntil: at + ttlMs,
        marksUntil: at + 2 * ttlMs,
        seats: new Map(),
        buyers: new Map(),
      };
      for (const hold of snapshot.holds) {
        buyerOf(gate, hold.userId).holds.set(hold.holdId, {
          count: hold.seatNos.length,
          expiresAt: hold.expiresAt,
        });
        for (const seat of hold.seatNos)
          gate.seats.set(seat, { holdId: hold.holdId, expiresAt: hold.expiresAt });
      }
      for (const { userId, seatNos } of snapshot.sold) {
        buyerOf(gate, userId).sold += seatNos.length;
        for (const seat of seatNos) gate.seats.set(seat, { holdId: null, expiresAt: Infinity });
      }
      gates.set(perf, gate);
      return true;
    },
  };
  return { ops, forgetExpired };
}
