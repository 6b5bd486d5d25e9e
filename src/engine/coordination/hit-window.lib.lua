-- hit_window(key, window_ms): counts one hit at `key` and returns the hits so far and the ms until the
-- window (which starts with its first hit) resets. Shared by the rate limit and the scripts that fold one
-- into their own step (the queue join).
local function hit_window(key, window_ms)
  local hits = redis.call('INCR', key)
  -- A window just started has its whole length left: no need to ask.
  if hits == 1 then
    redis.call('PEXPIRE', key, window_ms)
    return hits, tonumber(window_ms)
  end
  local ttl = redis.call('PTTL', key)
  if ttl < 0 then
    -- A window that lost its expiry would never reset.
    redis.call('PEXPIRE', key, window_ms)
    ttl = tonumber(window_ms)
  end
  return hits, ttl
end
