-- ARGV: now, until, base, last (1|0), enter (1|0), then a run of the users in drawn order (distinct)
-- → how many were placed, or -1 when the queue was drawn.
-- A long draw comes in runs (redis.ts); the k-th user of a run is scored base + k, so that every run
-- places its users where the whole draw would, and a run repeated (a retry, another node) changes
-- nothing. Only the last run places the rest of the pre-queue and marks the queue drawn; after that
-- every run is refused.
if redis.call('HGET', KEYS[7], 'drawn') == '1' then return -1 end
seal(ARGV[2])
local now, base, placed = tonumber(ARGV[1]), tonumber(ARGV[3]), 0
for i = 6, #ARGV do
  local user = ARGV[i]
  local raw = redis.call('HGET', KEYS[2], user)
  local tag = raw and string.sub(raw, 1, 1)
  local held = tag == 'a' and tonumber(string.match(raw, '^a:%d+:(%d+)$')) > now
  -- Waiting or in the pre-queue: moved. No entry, or a finished one: a new entry with enter (a
  -- registrant); left out without it (who left the pre-queue left the draw). A live pass: left alone.
  if tag == 'p' or tag == 'w' or (not held and ARGV[5] == '1') then
    if tag == 'p' then
      redis.call('ZREM', KEYS[4], user)
      redis.call('HSET', KEYS[2], user, 'w:' .. string.sub(raw, 3))
    elseif tag ~= 'w' then
      redis.call('HSET', KEYS[2], user, 'w:' .. redis.call('INCR', KEYS[1]))
      redis.call('HSET', KEYS[5], user, ARGV[1])
    end
    placed = placed + 1
    -- Scores -n … -1 over the whole draw: ahead of every entry already waiting (later arrivals' are
    -- AFTER_OPENING + seq, join.lua).
    redis.call('ZADD', KEYS[3], base + i - 5, user)
  end
end
if ARGV[4] == '1' then
  -- Whoever is still in the pre-queue without being drawn follows the drawn, in arrival order (their
  -- sequence as score: behind the drawn, ahead of every later arrival).
  local rest = redis.call('ZRANGE', KEYS[4], 0, -1, 'WITHSCORES')
  for i = 1, #rest, 2 do
    local raw = redis.call('HGET', KEYS[2], rest[i])
    redis.call('HSET', KEYS[2], rest[i], 'w:' .. string.sub(raw, 3))
    redis.call('ZADD', KEYS[3], rest[i + 1], rest[i])
  end
  placed = placed + #rest / 2
  redis.call('DEL', KEYS[4])
  redis.call('HSET', KEYS[7], 'drawn', '1')
end
redis.call('HINCRBY', KEYS[7], 'version', 1)
keep(ARGV[2])
return placed
