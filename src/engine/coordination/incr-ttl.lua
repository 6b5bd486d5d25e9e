-- KEYS: 1 the counter. ARGV: by, ttlMs (≤ 0: none, and only when this creates it) → the new value
local existed = redis.call('EXISTS', KEYS[1])
local value = redis.call('INCRBY', KEYS[1], ARGV[1])
if existed == 0 and tonumber(ARGV[2]) > 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return value
