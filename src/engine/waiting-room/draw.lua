-- ARGV: seed (the opening shuffle's, should a pre-queue remain), now, until, base, last (1|0), then a
-- run of the users in drawn order (distinct) → how many were placed, or -1 when the queue was drawn.
-- A long draw comes in runs (redis.ts); the k-th user of a run is scored base + k, so that every run
-- places its users where the whole draw would, and a run repeated (a retry, another node) changes
-- nothing. Only the last run marks the queue drawn; after that every run is refused.
if redis.call('HGET', KEYS[7], 'drawn') == '1' then return -1 end
open_queue(tonumber(ARGV[1]), ARGV[3])
local now, base, placed = tonumber(ARGV[2]), tonumber(ARGV[4]), 0
for i = 6, #ARGV do
  local user = ARGV[i]
  local raw = redis.call('HGET', KEYS[2], user)
  local tag = raw and string.sub(raw, 1, 1)
  if not (tag == 'a' and tonumber(string.match(raw, '^a:%d+:(%d+)$')) > now) then
    -- No entry, or a finished one: a new entry (the opening above left no pre-queue entry behind).
    if tag ~= 'w' then
      redis.call('HSET', KEYS[2], user, 'w:' .. redis.call('INCR', KEYS[1]))
      redis.call('HSET', KEYS[5], user, ARGV[2])
    end
    placed = placed + 1
    -- Scores -n … -1 over the whole draw: ahead of every entry already waiting (the pre-queue's are
    -- 1 …, later arrivals' higher).
    redis.call('ZADD', KEYS[3], base + i - 5, user)
  end
end
if ARGV[5] == '1' then redis.call('HSET', KEYS[7], 'drawn', '1') end
redis.call('HINCRBY', KEYS[7], 'version', 1)
keep(ARGV[3])
return placed
