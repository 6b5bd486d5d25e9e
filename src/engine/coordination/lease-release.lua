-- KEYS: 1 the lease. ARGV: holder → 1 when released
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
