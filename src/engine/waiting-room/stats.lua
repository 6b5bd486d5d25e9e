-- ARGV: now → {waiting, active, admitted, version, opened (0|1), closed, paused (0|1)}
return {
  redis.call('ZCARD', KEYS[3]) + redis.call('ZCARD', KEYS[4]),
  redis.call('ZCOUNT', KEYS[6], '(' .. ARGV[1], '+inf'),
  tonumber(redis.call('HGET', KEYS[7], 'admitted') or '0'),
  tonumber(redis.call('HGET', KEYS[7], 'version') or '0'),
  redis.call('HGET', KEYS[7], 'opened') == '1' and 1 or 0,
  redis.call('HGET', KEYS[7], 'closed'),
  redis.call('HGET', KEYS[7], 'paused') == '1' and 1 or 0
}
