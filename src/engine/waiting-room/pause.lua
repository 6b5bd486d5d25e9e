-- ARGV: paused (1|0), until, only_if_unset (1|0) → 1 when the queue went from paused to not or back.
-- The state is kept as '1' or '0', so that a queue with none of its own (never paused or resumed, or
-- wiped) can be told apart: only_if_unset writes only such a queue. Joins, places and passes stay.
local was = redis.call('HGET', KEYS[7], 'paused')
if was and ARGV[3] == '1' then return 0 end
redis.call('HSET', KEYS[7], 'paused', ARGV[1])
keep(ARGV[2])
if (was == '1') == (ARGV[1] == '1') then return 0 end
redis.call('HINCRBY', KEYS[7], 'version', 1)
return 1
