-- ARGV: per hold: holdId, userId, n, n seats
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local i = 1
while i <= #ARGV do
  local n = tonumber(ARGV[i + 2])
  for j = i + 3, i + 2 + n do redis.call('HSET', KEYS[1], ARGV[j], 's') end
  local b = buyer(ARGV[i + 1])
  b.h[ARGV[i]] = nil
  b.s = b.s + n
  saveBuyer(ARGV[i + 1], b)
  i = i + 3 + n
end
return 1
