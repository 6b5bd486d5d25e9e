-- ARGV: now → {waiting, active, admitted, version, opened (0|1), closed, paused (0|1), joined, prequeued,
-- left, passesExpired, restoring (0|1)}. Passes past their expiry that admission has not swept yet (it sweeps only while
-- it runs) count as expired here, so the figure is exact whether or not admission still runs.
local meta = redis.call('HMGET', KEYS[7], 'admitted', 'version', 'opened', 'closed', 'paused', 'prequeued',
  'left', 'passesExpired', 'restoring')
return {
  redis.call('ZCARD', KEYS[3]) + redis.call('ZCARD', KEYS[4]),
  redis.call('ZCOUNT', KEYS[6], '(' .. ARGV[1], '+inf'),
  tonumber(meta[1] or '0'),
  tonumber(meta[2] or '0'),
  meta[3] == '1' and 1 or 0,
  meta[4],
  meta[5] == '1' and 1 or 0,
  tonumber(redis.call('GET', KEYS[1]) or '0'),
  tonumber(meta[6] or '0'),
  tonumber(meta[7] or '0'),
  tonumber(meta[8] or '0') + redis.call('ZCOUNT', KEYS[6], '-inf', ARGV[1]),
  meta[9] and 1 or 0
}
