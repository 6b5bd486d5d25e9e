-- KEYS: 1 the buyer's mark. ARGV: the waiting mark (JSON), until, now → 1 when written
-- Written unless a live mark is there: an offer written meanwhile is newer news than this join.
local raw = redis.call('GET', KEYS[1])
if raw then
  local mark = cjson.decode(raw)
  local ends = mark.state == 'waiting' and mark['until'] or mark.offer.expiresAt
  if ends > tonumber(ARGV[3]) then return 0 end
end
if tonumber(ARGV[2]) <= tonumber(ARGV[3]) then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PXAT', ARGV[2])
return 1
