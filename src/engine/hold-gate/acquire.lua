-- KEYS: 1-5 the gate's (redis.ts), then the rate-limit windows of the holds that count one.
-- ARGV: now, then per hold: holdId, userId, expiresAt, cap, window (its KEYS index; 0: not counted),
-- limit, windowMs, n, n seats → per hold, in order: {1} held · {0, taken…} · {-2, count} limit ·
-- {-3, retryAfterMs} over its rate limit (nothing else done) · {-1} unloaded. Each hold is decided as
-- by a call of its own, after the earlier ones; the window is counted even when the gate is unloaded,
-- so the limit holds while it is rebuilt.
-- GATE_PROVISIONAL_MS: port.ts holds the same value (src/engine/lua.test.ts checks).
local GATE_PROVISIONAL_MS = 10000
local ready = redis.call('EXISTS', KEYS[3]) == 1
local now = tonumber(ARGV[1])
local provisional = now + GATE_PROVISIONAL_MS
local function acquire(holdId, userId, expiresAt, cap, first, last)
  local taken = {}
  for i = first, last do
    local mark = redis.call('HGET', KEYS[1], ARGV[i])
    if mark then
      local expiry, prov = string.match(mark, '|(%d+)|(%d+)$')
      if not expiry then expiry = string.match(mark, '|(%d+)$') end
      if mark == 's' or stands(tonumber(expiry), tonumber(prov), tonumber(ARGV[i]), now) then
        taken[#taken + 1] = ARGV[i]
      end
    end
  end
  if #taken > 0 then
    table.insert(taken, 1, 0)
    return taken
  end
  local b = buyer(userId)
  local count = b.s
  local live = {}
  for id, h in pairs(b.h) do
    if stands(h[2], h[3], h[4], now) then
      live[id] = h
      count = count + h[1]
    end
  end
  local n = last - first + 1
  if count + n > cap then return { -2, count } end
  live[holdId] = { n, tonumber(expiresAt), provisional, tonumber(ARGV[first]) }
  b.h = live
  saveBuyer(userId, b)
  local mark = holdId .. '|' .. expiresAt .. '|' .. provisional
  for i = first, last do redis.call('HSET', KEYS[1], ARGV[i], mark) end
  return { 1 }
end
local results = {}
local i = 2
while i <= #ARGV do
  local window = tonumber(ARGV[i + 4])
  local first = i + 8
  local last = i + 7 + tonumber(ARGV[i + 7])
  local hits, ttl = 0, 0
  if window > 0 then hits, ttl = hit_window(KEYS[window], ARGV[i + 6]) end
  if window > 0 and hits > tonumber(ARGV[i + 5]) then
    results[#results + 1] = { -3, ttl }
  elseif not ready then
    results[#results + 1] = { -1 }
  else
    results[#results + 1] = acquire(ARGV[i], ARGV[i + 1], ARGV[i + 2], tonumber(ARGV[i + 3]), first, last)
  end
  i = last + 1
end
return results
