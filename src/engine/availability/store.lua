-- KEYS: 1 bits · 2 version. ARGV: bits, version, ttlMs → 1 when stored (the version has not moved, and
-- no bitset is stored)
if redis.call('GET', KEYS[2]) ~= ARGV[2] or redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
return 1
