-- KEYS: 1 the set. ARGV: member, ttlMs (≤ 0: none) → 1 when added
local added = redis.call('SADD', KEYS[1], ARGV[1])
if tonumber(ARGV[2]) > 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return added
