import type { Redis } from 'ioredis';
import { availabilityBitsKey, versionLua } from '../availability/redis.js';
import { GATE_PROVISIONAL_MS, type GateAcquireResult, type HoldGate } from './port.js';

// KEYS: 1 seats (HASH seatNo → "holdId|expiresAtMs", "holdId|expiresAtMs|provisionalUntilMs" when made
// by an acquire, or "s" when sold) · 2 buyers (HASH userId → JSON {"s":sold,"h":{holdId:[count,
// expiresAtMs(, provisionalUntilMs, oneSeat)]}}) · 3 ready (STRING with the rebuild's ttl) · 4 version
// · 5 the availability bitset (availability.redis.ts), read only. All share the {perf:ID} hash tag.
const BUYER = `
local function buyer(userId)
  local raw = redis.call('HGET', KEYS[2], userId)
  if not raw then return { s = 0, h = {} } end
  return cjson.decode(raw)
end
local function saveBuyer(userId, b)
  -- cjson writes an empty table as an object, which is what "h" is.
  redis.call('HSET', KEYS[2], userId, cjson.encode(b))
end
`;
const VERSION = versionLua('KEYS[4]');
// Whether a hold's mark or count stands at `now`: until its expiry, but past its provisional time only
// while the seat map shows the seat taken, or there is no map (GATE_PROVISIONAL_MS says why).
const STANDS = `
local function shownFree(seat)
  if redis.call('EXISTS', KEYS[5]) == 0 then return false end
  local r = seat % 8
  return redis.call('GETBIT', KEYS[5], seat - r + 7 - r) == 1
end
local function stands(expiresAt, provisionalUntil, seat, now)
  if expiresAt <= now then return false end
  if not provisionalUntil or provisionalUntil > now or not seat then return true end
  return not shownFree(seat)
end
`;
const SCRIPTS = {
  // ARGV: now, then per hold: holdId, userId, expiresAt, cap, n, n seats → per hold, in order:
  // {1} held · {0, taken…} · {-2, count} limit; or one {-1}: unloaded. Each hold is decided as by a
  // call of its own, after the earlier ones.
  gateAcquireScript: `${BUYER}${STANDS}
    if redis.call('EXISTS', KEYS[3]) == 0 then return { -1 } end
    local now = tonumber(ARGV[1])
    local provisional = now + ${GATE_PROVISIONAL_MS}
    local function acquire(holdId, userId, expiresAt, cap, first, last)
      local taken = {}
      for i = first, last do
        local mark = redis.call('HGET', KEYS[1], ARGV[i])
        if mark then
          local expiry, prov = string.match(mark, '|(%d+)|(%d+)$')
          if not expiry then expiry = string.match(mark, '|(%d+)$') end
          if mark == 's' or stands(tonumber(expiry), tonumber(prov), tonumber(ARGV[i]), now) then
            taken[#taken + 1] = ARGV[i]
          end
        end
      end
      if #taken > 0 then
        table.insert(taken, 1, 0)
        return taken
      end
      local b = buyer(userId)
      local count = b.s
      local live = {}
      for id, h in pairs(b.h) do
        if stands(h[2], h[3], h[4], now) then
          live[id] = h
          count = count + h[1]
        end
      end
      local n = last - first + 1
      if count + n > cap then return { -2, count } end
      live[holdId] = { n, tonumber(expiresAt), provisional, tonumber(ARGV[first]) }
      b.h = live
      saveBuyer(userId, b)
      local mark = holdId .. '|' .. expiresAt .. '|' .. provisional
      for i = first, last do redis.call('HSET', KEYS[1], ARGV[i], mark) end
      return { 1 }
    end
    local results = {}
    local i = 2
    while i <= #ARGV do
      local first = i + 5
      local last = i + 4 + tonumber(ARGV[i + 4])
      results[#results + 1] = acquire(ARGV[i], ARGV[i + 1], ARGV[i + 2], tonumber(ARGV[i + 3]), first, last)
      i = last + 1
    end
    return results`,
  // ARGV: holdId, userId, now, seat…
  gateReleaseScript: `${BUYER}${VERSION}
    local prefix = ARGV[1] .. '|'
    for i = 4, #ARGV do
      local mark = redis.call('HGET', KEYS[1], ARGV[i])
      if mark and string.sub(mark, 1, #prefix) == prefix then redis.call('HDEL', KEYS[1], ARGV[i]) end
    end
    if redis.call('HEXISTS', KEYS[2], ARGV[2]) == 1 then
      local b = buyer(ARGV[2])
      b.h[ARGV[1]] = nil
      saveBuyer(ARGV[2], b)
    end
    bump(ARGV[3])
    return 1`,
  // ARGV: per hold: holdId, userId, n, n seats
  gateSellScript: `${BUYER}
    if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
    local i = 1
    while i <= #ARGV do
      local n = tonumber(ARGV[i + 2])
      for j = i + 3, i + 2 + n do redis.call('HSET', KEYS[1], ARGV[j], 's') end
      local b = buyer(ARGV[i + 1])
      b.h[ARGV[i]] = nil
      b.s = b.s + n
      saveBuyer(ARGV[i + 1], b)
      i = i + 3 + n
    end
    return 1`,
  // ARGV: userId, now, seat…
  gateUnsellScript: `${BUYER}${VERSION}
    local freed = 0
    for i = 3, #ARGV do
      if redis.call('HGET', KEYS[1], ARGV[i]) == 's' then
        redis.call('HDEL', KEYS[1], ARGV[i])
        freed = freed + 1
      end
    end
    if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 1 then
      local b = buyer(ARGV[1])
      b.s = math.max(0, b.s - freed)
      saveBuyer(ARGV[1], b)
    end
    bump(ARGV[2])
    return 1`,
  // ARGV: now
  gateVersionScript: `${VERSION}
    return version(ARGV[1])`,
  // ARGV: version, ttlMs, seatPairs, seatNo, mark, …, userId, buyerJson, …
  gateLoadScript: `
    if redis.call('GET', KEYS[4]) ~= ARGV[1] then return 0 end
    redis.call('DEL', KEYS[1], KEYS[2])
    -- A placeholder field, so that both hashes exist (and expire) even for a performance with no sales.
    redis.call('HSET', KEYS[1], '_', '')
    redis.call('HSET', KEYS[2], '_', '')
    local seatEnd = 3 + 2 * tonumber(ARGV[3])
    for i = 4, seatEnd, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
    for i = seatEnd + 1, #ARGV, 2 do redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1]) end
    local ttl = tonumber(ARGV[2])
    redis.call('SET', KEYS[3], '1', 'PX', ttl)
    -- The marks outlive the ready flag, so that a late release still finds them; the next rebuild
    -- replaces them anyway.
    redis.call('PEXPIRE', KEYS[1], 2 * ttl)
    redis.call('PEXPIRE', KEYS[2], 2 * ttl)
    return 1`,
} as const;

// ioredis flattens array arguments, which spares spreading a 100,000-element rebuild into a call.
type Run = (...args: (string | number | (string | number)[])[]) => Promise<unknown>;

export function createRedisHoldGate(redis: Redis): HoldGate {
  for (const [name, lua] of Object.entries(SCRIPTS)) redis.defineCommand(name, { numberOfKeys: 5, lua });
  const run = redis as unknown as Record<keyof typeof SCRIPTS, Run>;
  const keys = (perf: string) => {
    const tag = `{perf:${perf}}:gate`;
    return [`${tag}:seats`, `${tag}:buyers`, `${tag}:ready`, `${tag}:ver`, availabilityBitsKey(perf)];
  };

  const ops: HoldGate = {
    gateAcquire: async (perf, hold, cap, now) => (await ops.gateAcquireMany(perf, [{ hold, cap }], now))[0]!,
    gateAcquireMany: async (perf, requests, now) => {
      if (requests.length === 0) return [];
      const args: (string | number)[] = [now];
      for (const { hold, cap } of requests)
        args.push(hold.holdId, hold.userId, hold.expiresAt, cap, hold.seatNos.length, ...hold.seatNos);
      const replies = (await run.gateAcquireScript(...keys(perf), args)) as unknown[];
      if (replies[0] === -1) return requests.map((): GateAcquireResult => ({ outcome: 'unloaded' }));
      return (replies as number[][]).map(([code, ...detail]): GateAcquireResult => {
        if (code === 1) return { outcome: 'held' };
        if (code === 0) return { outcome: 'taken', seatNos: detail.map(Number) };
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
