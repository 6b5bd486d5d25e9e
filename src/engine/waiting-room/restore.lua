-- ARGV: recordSeq, first (1|0), now, until, opened (1|0), drawn (1|0), admittedTotal, then three per
-- recorded entry: user, stored state, place (its score in the order or the pre-queue).
-- queueRestore in runs (redis.ts): the first run is refused (-1) when the sequence and the admissions
-- have reached the record's (nothing lost, or restored already, by this node or another); otherwise
-- it renumbers what
-- the queue holds since the loss after the record (their order kept) and returns it, {user, state, …}.
-- Every run then writes its entries over whatever is there, so a run repeated changes nothing.
local AFTER_OPENING = 1e13
local shift = tonumber(ARGV[1])
local out = {}
if ARGV[2] == '1' then
  local had = tonumber(redis.call('GET', KEYS[1]) or '0')
  local admitted = tonumber(redis.call('HGET', KEYS[7], 'admitted') or '0')
  if had >= shift and admitted >= tonumber(ARGV[7]) then return -1 end
  local all = redis.call('HGETALL', KEYS[2])
  for i = 1, #all, 2 do
    local user = all[i]
    local tag, seq, rest = string.match(all[i + 1], '^(%a):(%d+)(.*)$')
    seq = tonumber(seq) + shift
    local raw = tag .. ':' .. string.format('%d', seq) .. rest
    redis.call('HSET', KEYS[2], user, raw)
    if redis.call('ZSCORE', KEYS[3], user) then
      redis.call('ZADD', KEYS[3], string.format('%d', AFTER_OPENING + seq), user)
    end
    if redis.call('ZSCORE', KEYS[4], user) then redis.call('ZADD', KEYS[4], string.format('%d', seq), user) end
    out[#out + 1] = user
    out[#out + 1] = raw
  end
  redis.call('SET', KEYS[1], string.format('%d', had + shift))
  if ARGV[5] == '1' then redis.call('HSET', KEYS[7], 'opened', '1') end
  if ARGV[6] == '1' then redis.call('HSET', KEYS[7], 'drawn', '1') end
  -- The record's count, or what the engine kept if more (a failover that lost only the last writes):
  -- never their sum, which the ETA would read as a burst of admissions.
  if admitted < tonumber(ARGV[7]) then redis.call('HSET', KEYS[7], 'admitted', ARGV[7]) end
end
local now = tonumber(ARGV[3])
for i = 8, #ARGV, 3 do
  local user, raw, place = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  redis.call('ZREM', KEYS[3], user)
  redis.call('ZREM', KEYS[4], user)
  redis.call('ZREM', KEYS[6], user)
  redis.call('HSET', KEYS[2], user, raw)
  local tag = string.sub(raw, 1, 1)
  if tag == 'w' then
    redis.call('ZADD', KEYS[3], place, user)
    redis.call('HSET', KEYS[5], user, ARGV[3])
  elseif tag == 'p' then
    redis.call('ZADD', KEYS[4], place, user)
    redis.call('HSET', KEYS[5], user, ARGV[3])
  elseif tag == 'a' then
    local expires = string.match(raw, '^a:%d+:(%d+)$')
    if tonumber(expires) > now then redis.call('ZADD', KEYS[6], expires, user) end
  end
end
redis.call('HINCRBY', KEYS[7], 'version', 1)
keep(ARGV[4])
return out
