-- ARGV: version, ttlMs, seatPairs, seatNo, mark, …, userId, buyerJson, … → 1 when stored
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
return 1
