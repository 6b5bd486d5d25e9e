-- ARGV: reason ('' reopens), until → 1 when the state changed
if (redis.call('HGET', KEYS[7], 'closed') or '') == ARGV[1] then return 0 end
if ARGV[1] == '' then
  redis.call('HDEL', KEYS[7], 'closed')
else
  redis.call('HSET', KEYS[7], 'closed', ARGV[1])
end
redis.call('HINCRBY', KEYS[7], 'version', 1)
keep(ARGV[2])
return 1
