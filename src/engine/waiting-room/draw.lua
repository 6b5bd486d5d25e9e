-- ARGV: seed (the opening shuffle's, should a pre-queue remain), now, until, then the users in drawn
-- order (distinct) → how many were placed, or -1 when the queue was drawn before (once per queue).
if redis.call('HGET', KEYS[7], 'drawn') == '1' then return -1 end
open_queue(tonumber(ARGV[1]), ARGV[3])
local now, n, placed = tonumber(ARGV[2]), #ARGV - 3, 0
for i = 4, #ARGV do
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
    -- Scores -n … -1: ahead of every entry already waiting (the pre-queue's are 1 …, later arrivals' higher).
    redis.call('ZADD', KEYS[3], placed - n - 1, user)
  end
end
redis.call('HSET', KEYS[7], 'drawn', '1')
redis.call('HINCRBY', KEYS[7], 'version', 1)
keep(ARGV[3])
return placed
