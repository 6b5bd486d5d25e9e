-- ARGV: user, now → 1 when a waiting entry was marked seen
local raw = redis.call('HGET', KEYS[2], ARGV[1])
if not raw then return 0 end
local tag = string.sub(raw, 1, 1)
if tag ~= 'p' and tag ~= 'w' then return 0 end
redis.call('HSET', KEYS[5], ARGV[1], ARGV[2])
return 1
