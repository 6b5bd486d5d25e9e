-- ARGV: user → {raw state, rank in the order, closed reason}
return {
  redis.call('HGET', KEYS[2], ARGV[1]),
  redis.call('ZRANK', KEYS[3], ARGV[1]),
  redis.call('HGET', KEYS[7], 'closed')
}
