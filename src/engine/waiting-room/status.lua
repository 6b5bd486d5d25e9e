-- ARGV: user → {raw state, rank in the order, closed reason, paused ('1', '0' or nil)}. The rank
-- counts a sealed pre-queue still to be placed (join.lua) as ahead.
local rank = redis.call('ZRANK', KEYS[3], ARGV[1])
return {
  redis.call('HGET', KEYS[2], ARGV[1]),
  rank and rank + redis.call('ZCARD', KEYS[4]),
  redis.call('HGET', KEYS[7], 'closed'),
  redis.call('HGET', KEYS[7], 'paused')
}
