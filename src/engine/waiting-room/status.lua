-- ARGV: user → {raw state, rank in the order, closed reason, paused ('1', '0' or nil)}
return {
  redis.call('HGET', KEYS[2], ARGV[1]),
  redis.call('ZRANK', KEYS[3], ARGV[1]),
  redis.call('HGET', KEYS[7], 'closed'),
  redis.call('HGET', KEYS[7], 'paused')
}
