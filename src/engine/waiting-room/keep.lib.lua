-- keep(at): the queue's expiry, set on all seven keys at once so they always expire together (a key
-- that does not exist yet is left alone: whichever script creates it later sets it again).
local function keep(at)
  for i = 1, 7 do redis.call('PEXPIREAT', KEYS[i], at) end
end
