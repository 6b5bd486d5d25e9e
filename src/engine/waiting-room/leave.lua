-- ARGV: user, now → 1 when a pre-queue, waiting or admitted entry left. Counted as left, unless it
-- held a pass that had already run out. A run-out pass still in the active set (admission sweeps it
-- only while it runs; its holder may even have joined again since) is counted as expired here, as the
-- sweep would have: once, since both take it out of the set.
local user = ARGV[1]
local raw = redis.call('HGET', KEYS[2], user)
if not raw then return 0 end
local tag = string.sub(raw, 1, 1)
if tag ~= 'p' and tag ~= 'w' and tag ~= 'a' then return 0 end
local expires = redis.call('ZSCORE', KEYS[6], user)
local given_up = tag == 'a' and expires and tonumber(expires) > tonumber(ARGV[2])
if tag ~= 'a' or given_up then redis.call('HINCRBY', KEYS[7], 'left', 1) end
if expires and not given_up then redis.call('HINCRBY', KEYS[7], 'passesExpired', 1) end
redis.call('ZREM', KEYS[3], user)
redis.call('ZREM', KEYS[4], user)
redis.call('ZREM', KEYS[6], user)
redis.call('HSET', KEYS[2], user, 'l:' .. string.match(raw, '^%a:(%d+)'))
redis.call('HINCRBY', KEYS[7], 'version', 1)
return 1
