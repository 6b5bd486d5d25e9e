-- ARGV: userId, now, seat…
local freed = 0
for i = 3, #ARGV do
  if redis.call('HGET', KEYS[1], ARGV[i]) == 's' then
    redis.call('HDEL', KEYS[1], ARGV[i])
    freed = freed + 1
  end
end
if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 1 then
  local b = buyer(ARGV[1])
  b.s = math.max(0, b.s - freed)
  saveBuyer(ARGV[1], b)
end
bump(KEYS[4], ARGV[2])
return 1
