-- KEYS[7 + i]: user i's join window. ARGV: now, open (0|1), limit (0: none), windowMs, until, then
-- the users. Each user is decided as if the joins ran one after another, in order; the writes
-- of all of them are then made in one command per key (a batch costs eight calls plus three or four a
-- user; one join alone costs twelve, one more before the opening to count the pre-queue). First whether the queue is paused (1|0), then three values per user: 'l', retryAfterMs, false (over the limit)
-- · 'c', reason, false (closed) · 'j', raw, rank or false (joined).
-- Arrivals after opening are ordered after every pre-queue entry: score = AFTER_OPENING + seq, written
-- through %d so Lua never writes 1e+13.
-- A sealed pre-queue not placed yet (seal.lib.lua) goes ahead of them too: its size is added to
-- their rank until the draw has placed it (then nothing more is read).
local AFTER_OPENING = 1e13
local now, limit, expire_at = ARGV[1], tonumber(ARGV[3]), ARGV[5]
local meta = redis.call('HMGET', KEYS[7], 'closed', 'opened', 'paused', 'drawn')
local closed, opened = meta[1], meta[2] == '1'
local ahead = (opened and meta[4] ~= '1') and redis.call('ZCARD', KEYS[4]) or 0
-- fresh: users given a new entry here (its seq is known at the end); pending: user → fresh index;
-- fills: reply slots that wait for a fresh entry's state and rank.
local out, fresh, pending, fills, seen = { meta[3] == '1' and 1 or 0 }, {}, {}, {}, {}
for i = 6, #ARGV do
  local user, at = ARGV[i], #out
  local over, ttl = false, 0
  if limit > 0 then
    local hits
    hits, ttl = hit_window(KEYS[i + 2], ARGV[4])
    over = hits > limit
  end
  if over then
    out[at + 1], out[at + 2], out[at + 3] = 'l', ttl, false
  elseif closed then
    out[at + 1], out[at + 2], out[at + 3] = 'c', closed, false
  else
    if ARGV[2] == '1' and not opened then
      seal(expire_at)
      opened = true
      ahead = redis.call('ZCARD', KEYS[4])
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
        local rank = tag == 'w' and redis.call('ZRANK', KEYS[3], user)
        out[at + 3] = rank and rank + ahead
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
    scores[2 * k - 1] = string.format('%d', (opened and AFTER_OPENING or 0) + seq)
    scores[2 * k] = fresh[k]
  end
  redis.call('HSET', KEYS[2], unpack(states))
  redis.call('ZADD', zset, unpack(scores))
  for f = 1, #fills, 2 do
    local at, k = fills[f], fills[f + 1]
    out[at + 2] = states[2 * k]
    out[at + 3] = opened and card + ahead + k - 1
  end
  redis.call('HINCRBY', KEYS[7], 'version', n)
  -- The report's funnel: joined is the sequence itself; the pre-queue's arrivals are counted here.
  if not opened then redis.call('HINCRBY', KEYS[7], 'prequeued', n) end
  -- The hot path: two reads instead of seven writes when the keys already expire at ARGV[6]. Besides
  -- the first join, only the sorted set it added to can be new (admission empties the order).
  if redis.call('PEXPIRETIME', KEYS[7]) ~= tonumber(expire_at) or redis.call('PEXPIRETIME', zset) < 0 then
    keep(expire_at)
  end
end
return out
