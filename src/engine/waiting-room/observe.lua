-- ARGV: now, user…  → {closed, paused ('1' when paused), raw1, rank1, raw2, rank2, …}; waiting entries are marked seen.
local meta = redis.call('HMGET', KEYS[7], 'closed', 'paused')
local out = { meta[1], meta[2] }
for i = 2, #ARGV do
  local raw = redis.call('HGET', KEYS[2], ARGV[i])
  out[#out + 1] = raw
  out[#out + 1] = redis.call('ZRANK', KEYS[3], ARGV[i])
  if raw and (string.sub(raw, 1, 1) == 'w' or string.sub(raw, 1, 1) == 'p') then
    redis.call('HSET', KEYS[5], ARGV[i], ARGV[1])
  end
end
return out
