import type { RedisConnection } from '../redis-target.js';
import { availabilityKey, gateKey, holdWindowKey } from '../keys.js';
import { defineScripts, loadScripts } from '../redis-client.js';
import type { GateAcquireResult, HoldGate } from './port.js';

// KEYS: 1 seats (HASH seatNo → "holdId|expiresAtMs", "holdId|expiresAtMs|provisionalUntilMs" when made
// by an acquire, or "s" when sold) · 2 buyers (HASH userId → JSON {"s":sold,"h":{holdId:[count,
// expiresAtMs(, provisionalUntilMs, oneSeat)]}}) · 3 ready (STRING with the rebuild's ttl) · 4 version
// · 5 the availability bitset (availability/redis.ts), read only; the acquire also takes 6…, the
// rate-limit windows of the holds that count one (keys.ts, holdWindowKey). All share the {perf:ID}
// hash tag.
const VERSION = '../availability/version.lib.lua';
// No fixed key count for the acquire (one window key per counted hold): each call passes it first.
const ACQUIRE = loadScripts(import.meta.url, {
  gateAcquireScript: ['buyer.lib.lua', 'stands.lib.lua', '../coordination/hit-window.lib.lua', 'acquire.lua'],
});
/** As the waiting room's join (waiting-room/redis.ts, COUNTED_KEY_SCRIPTS): its key count comes first. */
export const COUNTED_KEY_SCRIPTS = Object.keys(ACQUIRE);
const SCRIPTS = loadScripts(
  import.meta.url,
  {
    gateReleaseScript: ['buyer.lib.lua', VERSION, 'release.lua'],
    gateSellScript: ['buyer.lib.lua', 'sell.lua'],
    gateUnsellScript: ['buyer.lib.lua', VERSION, 'unsell.lua'],
    gateVersionScript: [VERSION, 'version.lua'],
    gateLoadScript: ['load.lua'],
  },
  5,
);

// ioredis flattens array arguments, which spares spreading a 100,000-element rebuild into a call.
type Run = (...args: (string | number | (string | number)[])[]) => Promise<unknown>;

export function createRedisHoldGate(redis: RedisConnection): HoldGate {
  defineScripts(redis, { ...SCRIPTS, ...ACQUIRE });
  const run = redis as unknown as Record<keyof typeof SCRIPTS | keyof typeof ACQUIRE, Run>;
  const keys = (perf: string) => [
    gateKey(perf, 'seats'),
    gateKey(perf, 'buyers'),
    gateKey(perf, 'ready'),
    gateKey(perf, 'ver'),
    availabilityKey(perf, 'bits'),
  ];

  const ops: HoldGate = {
    gateAcquire: async (perf, hold, cap, now) => (await ops.gateAcquireMany(perf, [{ hold, cap }], now))[0]!,
    gateAcquireMany: async (perf, requests, now) => {
      if (requests.length === 0) return [];
      const gate = keys(perf);
      const windows: string[] = [];
      const args: (string | number)[] = [now];
      for (const { hold, cap, limit } of requests) {
        if (limit) windows.push(holdWindowKey(perf, hold.userId));
        const window = limit ? gate.length + windows.length : 0;
        args.push(hold.holdId, hold.userId, hold.expiresAt, cap, window, limit?.max ?? 0);
        args.push(limit?.windowMs ?? 0, hold.seatNos.length, ...hold.seatNos);
      }
      const count = gate.length + windows.length;
      const replies = (await run.gateAcquireScript(count, ...gate, ...windows, args)) as number[][];
      return replies.map(([code, ...detail]): GateAcquireResult => {
        if (code === 1) return { outcome: 'held' };
        if (code === 0) return { outcome: 'taken', seatNos: detail.map(Number) };
        if (code === -1) return { outcome: 'unloaded' };
        if (code === -3) return { outcome: 'limited', retryAfterMs: Math.max(0, Number(detail[0])) };
        return { outcome: 'limit', count: Number(detail[0]) };
      });
    },
    gateRelease: async (perf, hold, now) => {
      await run.gateReleaseScript(...keys(perf), hold.holdId, hold.userId, now, ...hold.seatNos);
    },
    gateSell: (perf, hold) => ops.gateSellMany(perf, [hold]),
    gateSellMany: async (perf, holds) => {
      if (holds.length === 0) return;
      const args: (string | number)[] = [];
      for (const hold of holds) args.push(hold.holdId, hold.userId, hold.seatNos.length, ...hold.seatNos);
      await run.gateSellScript(...keys(perf), args);
    },
    gateUnsell: async (perf, userId, seatNos, now) => {
      await run.gateUnsellScript(...keys(perf), userId, now, ...seatNos);
    },
    gateVersion: async (perf, now) => Number(await run.gateVersionScript(...keys(perf), now)),
    gateLoad: async (perf, snapshot, version, ttlMs) => {
      const seats: (string | number)[] = [];
      const buyers = new Map<string, { s: number; h: Record<string, [number, number]> }>();
      const buyer = (userId: string) => {
        let b = buyers.get(userId);
        if (!b) buyers.set(userId, (b = { s: 0, h: {} }));
        return b;
      };
      for (const hold of snapshot.holds) {
        for (const seat of hold.seatNos) seats.push(seat, `${hold.holdId}|${hold.expiresAt}`);
        buyer(hold.userId).h[hold.holdId] = [hold.seatNos.length, hold.expiresAt];
      }
      for (const { userId, seatNos } of snapshot.sold) {
        for (const seat of seatNos) seats.push(seat, 's');
        buyer(userId).s += seatNos.length;
      }
      const buyerArgs = [...buyers].flatMap(([userId, b]) => [userId, JSON.stringify(b)]);
      const stored = await run.gateLoadScript(
        ...keys(perf),
        version,
        ttlMs,
        seats.length / 2,
        seats,
        buyerArgs,
      );
      return stored === 1;
    },
  };
  return ops;
}
