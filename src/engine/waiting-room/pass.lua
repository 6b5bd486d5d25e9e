-- ARGV: user, passId, now, consume (0|1) → 1 when the pass is the user's current, unexpired one (and,
-- with consume, was used up now)
local raw = redis.call('HGET', KEYS[2], ARGV[1])
if not raw then return 0 end
local seq, expires = string.match(raw, '^a:(%d+):(%d+)$')
if seq ~= ARGV[2] or tonumber(expires) <= tonumber(ARGV[3]) then return 0 end
if ARGV[4] == '1' then
  redis.call('HSET', KEYS[2], ARGV[1], 'c:' .. seq)
  redis.call('ZREM', KEYS[6], ARGV[1])
  redis.call('HINCRBY', KEYS[7], 'version', 1)
end
return 1
