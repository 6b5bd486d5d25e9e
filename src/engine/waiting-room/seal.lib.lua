-- seal(at): the pre-queue takes nobody after this (queueSeal): a join from now on is an arrival after
-- the opening, whatever its caller's clock says. The pre-queue's entries stay in KEYS[4] until the
-- draw places them (draw.lua). Once; uses keep().
local function seal(at)
  if redis.call('HGET', KEYS[7], 'opened') == '1' then return end
  redis.call('HSET', KEYS[7], 'opened', '1')
  redis.call('HINCRBY', KEYS[7], 'version', 1)
  keep(at)
end
