-- open_queue(seed, at): the opening shuffle (Fisher–Yates, seeded by the caller since scripts must not
-- rely on Redis's own seed), placing the pre-queue ahead of every later arrival; once. Uses keep().
local function open_queue(seed, at)
  if redis.call('HGET', KEYS[7], 'opened') == '1' then return 0 end
  local members = redis.call('ZRANGE', KEYS[4], 0, -1)
  math.randomseed(seed)
  for i = #members, 2, -1 do
    local j = math.random(i)
    members[i], members[j] = members[j], members[i]
  end
  for i = 1, #members do
    local raw = redis.call('HGET', KEYS[2], members[i])
    redis.call('ZADD', KEYS[3], i, members[i])
    redis.call('HSET', KEYS[2], members[i], 'w:' .. string.sub(raw, 3))
  end
  redis.call('DEL', KEYS[4])
  redis.call('HSET', KEYS[7], 'opened', '1')
  redis.call('HINCRBY', KEYS[7], 'version', 1)
  keep(at)
  return #members
end
