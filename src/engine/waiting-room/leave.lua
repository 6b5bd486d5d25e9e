-- ARGV: user → 1 when a pre-queue, waiting or admitted entry left
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
return 1
