-- A version counter at `key` (the availability bitset's, the hold gate's): version(key, now) reads it,
-- starting a missing one at `now` (ms) so that versions after a Redis wipe are still larger than any
-- before it; bump(key, now) moves it on by one and returns the new value. Creating or moving it sets
-- its expiry to VERSION_TTL_MS later (port.ts says why that is safe, and holds the same value:
-- src/engine/lua.test.ts checks).
local VERSION_TTL_MS = 86400000
local function version(key, now)
  local v = redis.call('GET', key)
  if not v then
    redis.call('SET', key, now, 'PX', VERSION_TTL_MS)
    return tonumber(now)
  end
  return tonumber(v)
end
local function bump(key, now)
  local next = version(key, now) + 1
  redis.call('SET', key, string.format('%d', next), 'PX', VERSION_TTL_MS)
  return next
end
