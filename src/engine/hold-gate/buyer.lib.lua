-- A buyer's JSON record in the buyers hash, KEYS[2] (redis.ts describes it), read and written whole.
local function buyer(userId)
  local raw = redis.call('HGET', KEYS[2], userId)
  if not raw then return { s = 0, h = {} } end
  return cjson.decode(raw)
end
local function saveBuyer(userId, b)
  -- cjson writes an empty table as an object, which is what "h" is.
  redis.call('HSET', KEYS[2], userId, cjson.encode(b))
end
