-- ARGV: max, maxActive, now, staleBefore, passTtlMs, until
-- Returns {skipped, user1, seq1, expires1, user2, …}. The number of stale entries examined per call is
-- bounded so one tick can never block Redis for long, however many entries were abandoned.
-- Nobody while the queue is closed or paused, nor while a sealed pre-queue waits for the draw to place
-- it (seal.lib.lua): its users go ahead of everyone waiting; nor while a restore is under way
-- (restore.lua): the line is half rebuilt.
local gate = redis.call('HMGET', KEYS[7], 'closed', 'paused', 'restoring')
if gate[1] or gate[2] == '1' or gate[3] or redis.call('ZCARD', KEYS[4]) > 0 then return { 0 } end
local max, max_active, now = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local stale_before, ttl = tonumber(ARGV[4]), tonumber(ARGV[5])
-- Passes run out unused leave the active set here (consumed and given-up ones left it already).
local expired = redis.call('ZREMRANGEBYSCORE', KEYS[6], '-inf', now)
if expired > 0 then redis.call('HINCRBY', KEYS[7], 'passesExpired', expired) end
local quota = math.min(max, max_active - redis.call('ZCARD', KEYS[6]))
local out, admitted, skipped, budget = { 0 }, 0, 0, 10000
while admitted < quota and budget > 0 do
  local head = redis.call('ZPOPMIN', KEYS[3])
  if #head == 0 then break end
  budget = budget - 1
  local user = head[1]
  local seq = string.match(redis.call('HGET', KEYS[2], user), '^w:(%d+)$')
  if tonumber(redis.call('HGET', KEYS[5], user) or '0') < stale_before then
    redis.call('HSET', KEYS[2], user, 'x:' .. seq)
    skipped = skipped + 1
  else
    local expires = string.format('%d', now + ttl)
    redis.call('HSET', KEYS[2], user, 'a:' .. seq .. ':' .. expires)
    redis.call('ZADD', KEYS[6], expires, user)
    admitted = admitted + 1
    out[#out + 1] = user
    out[#out + 1] = seq
    out[#out + 1] = expires
  end
end
out[1] = skipped
if admitted + skipped > 0 then
  redis.call('HINCRBY', KEYS[7], 'admitted', admitted)
  redis.call('HINCRBY', KEYS[7], 'version', 1)
  keep(ARGV[6])
end
return out
