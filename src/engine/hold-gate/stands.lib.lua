-- Whether a hold's mark or count stands at `now`: until its expiry, but past its provisional time only
-- while the seat map (KEYS[5], the availability bitset) shows the seat taken, or there is no map
-- (GATE_PROVISIONAL_MS in port.ts says why).
local function shownFree(seat)
  if redis.call('EXISTS', KEYS[5]) == 0 then return false end
  local r = seat % 8
  return redis.call('GETBIT', KEYS[5], seat - r + 7 - r) == 1
end
local function stands(expiresAt, provisionalUntil, seat, now)
  if expiresAt <= now then return false end
  if not provisionalUntil or provisionalUntil > now or not seat then return true end
  return not shownFree(seat)
end
