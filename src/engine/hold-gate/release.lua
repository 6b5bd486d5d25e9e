-- ARGV: holdId, userId, now, seat…
local prefix = ARGV[1] .. '|'
for i = 4, #ARGV do
  local mark = redis.call('HGET', KEYS[1], ARGV[i])
  if mark and string.sub(mark, 1, #prefix) == prefix then redis.call('HDEL', KEYS[1], ARGV[i]) end
end
if redis.call('HEXISTS', KEYS[2], ARGV[2]) == 1 then
  local b = buyer(ARGV[2])
  b.h[ARGV[1]] = nil
  saveBuyer(ARGV[2], b)
end
bump(KEYS[4], ARGV[3])
return 1
