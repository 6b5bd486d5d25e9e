-- ARGV: paused (1|0), until → 1 when the state changed. Joins, places and passes are left as they are.
local paused = redis.call('HGET', KEYS[7], 'paused') == '1'
if paused == (ARGV[1] == '1') then return 0 end
if ARGV[1] == '1' then
  redis.call('HSET', KEYS[7], 'paused', '1')
else
  redis.call('HDEL', KEYS[7], 'paused')
end
redis.call('HINCRBY', KEYS[7], 'version', 1)
keep(ARGV[2])
return 1
