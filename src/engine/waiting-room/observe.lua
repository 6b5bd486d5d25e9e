-- ARGV: now, user…  → {closed, paused ('1' when paused), raw1, rank1, raw2, rank2, …}; waiting entries are marked seen.
-- A rank counts a sealed pre-queue still to be placed (join.lua) as ahead.
local meta = redis.call('HMGET', KEYS[7], 'closed', 'paused')
local out, ahead = { meta[1], meta[2] }, redis.call('ZCARD', KEYS[4])
for i = 2, #ARGV do
  local raw = redis.call('HGET', KEYS[2], ARGV[i])
  local rank = redis.call('ZRANK', KEYS[3], ARGV[i])
  out[#out + 1] = raw
  out[#out + 1] = rank and rank + ahead
  if raw and (string.sub(raw, 1, 1) == 'w' or string.sub(raw, 1, 1) == 'p') then
    redis.call('HSET', KEYS[5], ARGV[i], ARGV[1])
  end
end
return out
