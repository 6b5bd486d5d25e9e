-- ARGV: until → the pre-queue's users in arrival order, after sealing it (seal.lib.lua).
seal(ARGV[1])
return redis.call('ZRANGE', KEYS[4], 0, -1)
