-- KEYS: 1 the buyer's mark. ARGV: the hold id of the offer that ended, or '' for the wait → 1 when removed
-- Only what ended is removed: a newer offer, or a wait after it, stays.
local raw = redis.call('GET', KEYS[1])
if not raw then return 0 end
local mark = cjson.decode(raw)
local said = mark.state == 'waiting' and '' or mark.offer.holdId
if said ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
return 1
