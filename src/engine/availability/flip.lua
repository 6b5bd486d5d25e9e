-- KEYS: 1 bits · 2 version. ARGV: available (0|1), now, seat… → the new version
-- Redis numbers bits most-significant first within a byte; DESIGN.md numbers them least-significant
-- first, so seat s lives at bit offset (s - s%8) + (7 - s%8). GET then returns bytes in DESIGN order.
local next = bump(KEYS[2], ARGV[2])
local length = redis.call('STRLEN', KEYS[1]) * 8
if length > 0 then
  local bit = tonumber(ARGV[1])
  for i = 3, #ARGV do
    local seat = tonumber(ARGV[i])
    if seat < length then
      local r = seat % 8
      redis.call('SETBIT', KEYS[1], seat - r + 7 - r, bit)
    end
  end
end
return next
