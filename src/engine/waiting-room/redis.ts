import { randomInt } from 'node:crypto';
import type { Redis } from 'ioredis';
import { fixedWindowLua } from '../coordination/fixed-window.redis.js';
import {
  AFTER_OPENING,
  decodeState,
  type AdmitResult,
  type JoinResult,
  type QueueEntry,
  type QueueStats,
  type WaitingRoom,
} from './port.js';

/**
 * The Redis waiting room: one Lua script per operation, all seven keys of a queue passed in KEYS and
 * sharing the `{perf:ID}` hash tag, so a queue lives on one Cluster shard and every change is atomic.
 *
 * KEYS: 1 seq (INCR) · 2 state (HASH user → encoded state) · 3 order (ZSET waiting, by position)
 *       4 pre (ZSET pre-queue, by arrival) · 5 seen (HASH user → ms) · 6 active (ZSET user → pass expiry)
 *       7 meta (HASH opened, admitted, version); the join also has 8…, each caller's join-rate window.
 * Every script that changes the queue (join, open, admit, close) moves all seven keys' expiry to the
 * caller's `until`, in the same step; the others only change fields of keys that exist, whose expiry
 * Redis keeps.
 */
const KEY_NAMES = ['seq', 'state', 'order', 'pre', 'seen', 'active', 'meta'] as const;
const keysOf = (perf: string) => KEY_NAMES.map((name) => `{perf:${perf}}:q:${name}`);

// Shared Lua: the queue's expiry, set on all seven keys at once so they always expire together (a key
// that does not exist yet is left alone: whichever script creates it later sets it again).
const KEEP = `
local function keep(at)
  for i = 1, 7 do redis.call('PEXPIREAT', KEYS[i], at) end
end
`;

// Shared Lua: the opening shuffle (Fisher–Yates, seeded by the caller since scripts must not rely on
// Redis's own seed) and the status read. Numbers go through %d so Lua never writes 1e+13.
const OPEN = `${KEEP}
local function open_queue(seed, at)
  if redis.call('HGET', KEYS[7], 'opened') == '1' then return 0 end
  local members = redis.call('ZRANGE', KEYS[4], 0, -1)
  math.randomseed(seed)
  for i = #members, 2, -1 do
    local j = math.random(i)
    members[i], members[j] = members[j], members[i]
  end
  for i = 1, #members do
    local raw = redis.call('HGET', KEYS[2], members[i])
    redis.call('ZADD', KEYS[3], i, members[i])
    redis.call('HSET', KEYS[2], members[i], 'w:' .. string.sub(raw, 3))
  end
  redis.call('DEL', KEYS[4])
  redis.call('HSET', KEYS[7], 'opened', '1')
  redis.call('HINCRBY', KEYS[7], 'version', 1)
  keep(at)
  return #members
end
local function status(user)
  return { redis.call('HGET', KEYS[2], user), redis.call('ZRANK', KEYS[3], user), redis.call('HGET', KEYS[7], 'closed') }
end
`;

const SCRIPTS = {
  // KEYS[7 + i]: user i's join window. ARGV: now, open (0|1), seed, limit (0: none), windowMs, until,
  // then the users. Each user is decided as if the joins ran one after another, in order; the writes
  // of all of them are then made in one command per key (a batch costs eight calls plus three or four a
  // user; one join alone costs twelve). Three values per user: 'l', retryAfterMs, false (over the limit)
  // · 'c', reason, false (closed) · 'j', raw, rank or false (joined).
  queueJoinScript: `${OPEN}${fixedWindowLua}
    local now, limit, expire_at = ARGV[1], tonumber(ARGV[4]), ARGV[6]
    local meta = redis.call('HMGET', KEYS[7], 'closed', 'opened')
    local closed, opened = meta[1], meta[2] == '1'
    -- fresh: users given a new entry here (its seq is known at the end); pending: user → fresh index;
    -- fills: reply slots that wait for a fresh entry's state and rank.
    local out, fresh, pending, fills, seen = {}, {}, {}, {}, {}
    for i = 7, #ARGV do
      local user, at = ARGV[i], #out
      local over, ttl = false, 0
      if limit > 0 then
        local hits
        hits, ttl = hit_window(KEYS[i + 1], ARGV[5])
        over = hits > limit
      end
      if over then
        out[at + 1], out[at + 2], out[at + 3] = 'l', ttl, false
      elseif closed then
        out[at + 1], out[at + 2], out[at + 3] = 'c', closed, false
      else
        if ARGV[2] == '1' and not opened then
          open_queue(tonumber(ARGV[3]), expire_at)
          opened = true
        end
        seen[#seen + 1] = user
        seen[#seen + 1] = now
        local k = pending[user]
        local raw = not k and redis.call('HGET', KEYS[2], user)
        local live = false
        if raw then
          local tag = string.sub(raw, 1, 1)
          live = tag == 'p' or tag == 'w'
          if tag == 'a' then live = tonumber(string.match(raw, '^a:%d+:(%d+)$')) > tonumber(now) end
          if live then
            out[at + 1], out[at + 2] = 'j', raw
            out[at + 3] = tag == 'w' and redis.call('ZRANK', KEYS[3], user)
          end
        end
        if not live then
          if not k then
            k = #fresh + 1
            fresh[k] = user
            pending[user] = k
          end
          out[at + 1], out[at + 2], out[at + 3] = 'j', false, false
          fills[#fills + 1] = at
          fills[#fills + 1] = k
        end
      end
    end
    -- Before the expiry below, which must find every key this batch creates.
    if #seen > 0 then redis.call('HSET', KEYS[5], unpack(seen)) end
    local n = #fresh
    if n > 0 then
      -- New entries go to the back, in the order given: seqs base+1..base+n, and (once open) scores above
      -- every entry already waiting, so the k-th one's rank is the order's size before them + k - 1.
      local base = redis.call('INCRBY', KEYS[1], n) - n
      local tag, zset = opened and 'w:' or 'p:', opened and KEYS[3] or KEYS[4]
      local card = opened and redis.call('ZCARD', KEYS[3])
      local states, scores = {}, {}
      for k = 1, n do
        local seq = base + k
        states[2 * k - 1], states[2 * k] = fresh[k], tag .. seq
        scores[2 * k - 1] = string.format('%d', (opened and ${AFTER_OPENING} or 0) + seq)
        scores[2 * k] = fresh[k]
      end
      redis.call('HSET', KEYS[2], unpack(states))
      redis.call('ZADD', zset, unpack(scores))
      for f = 1, #fills, 2 do
        local at, k = fills[f], fills[f + 1]
        out[at + 2] = states[2 * k]
        out[at + 3] = opened and card + k - 1
      end
      redis.call('HINCRBY', KEYS[7], 'version', n)
      -- The hot path: two reads instead of seven writes when the keys already expire at ARGV[6]. Besides
      -- the first join, only the sorted set it added to can be new (admission empties the order).
      if redis.call('PEXPIRETIME', KEYS[7]) ~= tonumber(expire_at) or redis.call('PEXPIRETIME', zset) < 0 then
        keep(expire_at)
      end
    end
    return out`,

  // ARGV: seed, until
  queueOpenScript: `${OPEN}
    return open_queue(tonumber(ARGV[1]), ARGV[2])`,

  // ARGV: user
  queueStatusScript: `${OPEN}
    return status(ARGV[1])`,

  // ARGV: now, user…  → {closed, raw1, rank1, raw2, rank2, …}; waiting entries are marked seen.
  queueObserveScript: `
    local out = { redis.call('HGET', KEYS[7], 'closed') }
    for i = 2, #ARGV do
      local raw = redis.call('HGET', KEYS[2], ARGV[i])
      out[#out + 1] = raw
      out[#out + 1] = redis.call('ZRANK', KEYS[3], ARGV[i])
      if raw and (string.sub(raw, 1, 1) == 'w' or string.sub(raw, 1, 1) == 'p') then
        redis.call('HSET', KEYS[5], ARGV[i], ARGV[1])
      end
    end
    return out`,

  // ARGV: user, now
  queueTouchScript: `
    local raw = redis.call('HGET', KEYS[2], ARGV[1])
    if not raw then return 0 end
    local tag = string.sub(raw, 1, 1)
    if tag ~= 'p' and tag ~= 'w' then return 0 end
    redis.call('HSET', KEYS[5], ARGV[1], ARGV[2])
    return 1`,

  // ARGV: user
  queueLeaveScript: `
    local user = ARGV[1]
    local raw = redis.call('HGET', KEYS[2], user)
    if not raw then return 0 end
    local tag = string.sub(raw, 1, 1)
    if tag ~= 'p' and tag ~= 'w' and tag ~= 'a' then return 0 end
    redis.call('ZREM', KEYS[3], user)
    redis.call('ZREM', KEYS[4], user)
    redis.call('ZREM', KEYS[6], user)
    redis.call('HSET', KEYS[2], user, 'l:' .. string.match(raw, '^%a:(%d+)'))
    redis.call('HINCRBY', KEYS[7], 'version', 1)
    return 1`,

  // ARGV: max, maxActive, now, staleBefore, passTtlMs, until
  // Returns {skipped, user1, seq1, expires1, user2, …}. The number of stale entries examined per call is
  // bounded so one tick can never block Redis for long, however many entries were abandoned.
  queueAdmitScript: `${KEEP}
    if redis.call('HEXISTS', KEYS[7], 'closed') == 1 then return { 0 } end
    local max, max_active, now = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
    local stale_before, ttl = tonumber(ARGV[4]), tonumber(ARGV[5])
    redis.call('ZREMRANGEBYSCORE', KEYS[6], '-inf', now)
    local quota = math.min(max, max_active - redis.call('ZCARD', KEYS[6]))
    local out, admitted, skipped, budget = { 0 }, 0, 0, 10000
    while admitted < quota and budget > 0 do
      local head = redis.call('ZPOPMIN', KEYS[3])
      if #head == 0 then break end
      budget = budget - 1
      local user = head[1]
      local seq = string.match(redis.call('HGET', KEYS[2], user), '^w:(%d+)$')
      if tonumber(redis.call('HGET', KEYS[5], user) or '0') < stale_before then
        redis.call('HSET', KEYS[2], user, 'x:' .. seq)
        skipped = skipped + 1
      else
        local expires = string.format('%d', now + ttl)
        redis.call('HSET', KEYS[2], user, 'a:' .. seq .. ':' .. expires)
        redis.call('ZADD', KEYS[6], expires, user)
        admitted = admitted + 1
        out[#out + 1] = user
        out[#out + 1] = seq
        out[#out + 1] = expires
      end
    end
    out[1] = skipped
    if admitted + skipped > 0 then
      redis.call('HINCRBY', KEYS[7], 'admitted', admitted)
      redis.call('HINCRBY', KEYS[7], 'version', 1)
      keep(ARGV[6])
    end
    return out`,

  // ARGV: reason ('' reopens), until → 1 when the state changed
  queueCloseScript: `${KEEP}
    if (redis.call('HGET', KEYS[7], 'closed') or '') == ARGV[1] then return 0 end
    if ARGV[1] == '' then
      redis.call('HDEL', KEYS[7], 'closed')
    else
      redis.call('HSET', KEYS[7], 'closed', ARGV[1])
    end
    redis.call('HINCRBY', KEYS[7], 'version', 1)
    keep(ARGV[2])
    return 1`,

  // ARGV: user, passId, now, consume (0|1)
  queuePassScript: `
    local raw = redis.call('HGET', KEYS[2], ARGV[1])
    if not raw then return 0 end
    local seq, expires = string.match(raw, '^a:(%d+):(%d+)$')
    if seq ~= ARGV[2] or tonumber(expires) <= tonumber(ARGV[3]) then return 0 end
    if ARGV[4] == '1' then
      redis.call('HSET', KEYS[2], ARGV[1], 'c:' .. seq)
      redis.call('ZREM', KEYS[6], ARGV[1])
      redis.call('HINCRBY', KEYS[7], 'version', 1)
    end
    return 1`,

  // ARGV: now
  queueStatsScript: `
    return {
      redis.call('ZCARD', KEYS[3]) + redis.call('ZCARD', KEYS[4]),
      redis.call('ZCOUNT', KEYS[6], '(' .. ARGV[1], '+inf'),
      tonumber(redis.call('HGET', KEYS[7], 'admitted') or '0'),
      tonumber(redis.call('HGET', KEYS[7], 'version') or '0'),
      redis.call('HGET', KEYS[7], 'opened') == '1' and 1 or 0,
      redis.call('HGET', KEYS[7], 'closed')
    }`,
} as const;

type Run = (...args: (string | number)[]) => Promise<unknown>;

export function createRedisWaitingRoom(redis: Redis): WaitingRoom {
  for (const [name, lua] of Object.entries(SCRIPTS)) {
    // The join takes one window key per user, so its key count comes first in each call.
    redis.defineCommand(name, name === 'queueJoinScript' ? { lua } : { numberOfKeys: KEY_NAMES.length, lua });
  }
  const call = (name: keyof typeof SCRIPTS, ...keysAndArgs: (string | number)[]) =>
    (redis as unknown as Record<string, Run>)[name]!(...keysAndArgs);
  const run = (name: keyof typeof SCRIPTS, perf: string, ...args: (string | number)[]) =>
    call(name, ...keysOf(perf), ...args);
  const toEntry = (reply: unknown, now: number): QueueEntry | null => {
    const [raw, rank, closed] = reply as [string | null, number | null, string | null | undefined];
    if (raw === null) return null;
    const decoded = decodeState(raw, now);
    return {
      ...decoded,
      position: decoded.state === 'waiting' && rank !== null ? rank + 1 : null,
      closed: closed ?? null,
    };
  };
  const seed = () => randomInt(1, 2 ** 31 - 1);
  const joinMany: WaitingRoom['queueJoinMany'] = async (perf, userIds, { now, open, limit, until }) => {
    if (userIds.length === 0) return [];
    const windows = userIds.map((userId) => `{perf:${perf}}:q:rl:${userId}`);
    const reply = (await call(
      'queueJoinScript',
      KEY_NAMES.length + userIds.length,
      ...keysOf(perf),
      ...windows,
      now,
      open ? 1 : 0,
      seed(),
      limit?.max ?? 0,
      limit?.windowMs ?? 0,
      until,
      ...userIds,
    )) as (string | number | null)[];
    return userIds.map((_, i): JoinResult => {
      const [tag, a, b] = [reply[3 * i], reply[3 * i + 1], reply[3 * i + 2]];
      if (tag === 'l') return { outcome: 'limited', retryAfterMs: Math.max(0, Number(a)) };
      if (tag === 'c') return { outcome: 'closed', reason: String(a) };
      return { outcome: 'joined', entry: toEntry([a ?? null, b ?? null, null], now)! };
    });
  };

  return {
    queueJoin: async (perf, userId, opts) => (await joinMany(perf, [userId], opts))[0]!,
    queueJoinMany: joinMany,
    queueOpen: async (perf, until) => Number(await run('queueOpenScript', perf, seed(), until)),
    queueStatus: async (perf, userId, now) => toEntry(await run('queueStatusScript', perf, userId), now),
    queueObserve: async (perf, userIds, now) => {
      if (userIds.length === 0) return [];
      const reply = (await run('queueObserveScript', perf, now, ...userIds)) as (string | number | null)[];
      const closed = reply[0] ?? null;
      return userIds.map((_, i) =>
        toEntry([reply[2 * i + 1] ?? null, reply[2 * i + 2] ?? null, closed], now),
      );
    },
    queueTouch: async (perf, userId, now) => (await run('queueTouchScript', perf, userId, now)) === 1,
    queueLeave: async (perf, userId) => (await run('queueLeaveScript', perf, userId)) === 1,
    queueAdmit: async (perf, opts): Promise<AdmitResult> => {
      const reply = (await run(
        'queueAdmitScript',
        perf,
        opts.max,
        opts.maxActive,
        opts.now,
        opts.staleBefore,
        opts.passTtlMs,
        opts.until,
      )) as (string | number)[];
      const admitted: AdmitResult['admitted'] = [];
      for (let i = 1; i + 2 < reply.length; i += 3) {
        admitted.push({
          userId: String(reply[i]),
          passId: Number(reply[i + 1]),
          expiresAt: Number(reply[i + 2]),
        });
      }
      return { admitted, skipped: Number(reply[0]) };
    },
    queueClose: async (perf, reason, until) =>
      (await run('queueCloseScript', perf, reason ?? '', until)) === 1,
    queuePassActive: async (perf, userId, passId, now) =>
      (await run('queuePassScript', perf, userId, passId, now, 0)) === 1,
    queueConsumePass: async (perf, userId, passId, now) =>
      (await run('queuePassScript', perf, userId, passId, now, 1)) === 1,
    queueStats: async (perf, now): Promise<QueueStats> => {
      const [waiting, active, admittedTotal, version, opened, closed] = (await run(
        'queueStatsScript',
        perf,
        now,
      )) as [number, number, number, number, number, string | null | undefined];
      return {
        waiting: waiting ?? 0,
        active: active ?? 0,
        admittedTotal: admittedTotal ?? 0,
        version: version ?? 0,
        opened: opened === 1,
        closed: closed ?? null,
      };
    },
  };
}
