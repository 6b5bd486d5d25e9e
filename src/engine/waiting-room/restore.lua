-- ARGV: recordSeq, first (1|0), now, until, opened (1|0), drawn (1|0), admittedTotal, last (1|0), seenAt,
-- then three per recorded entry: user, stored state, place (its score in the order or the pre-queue).
-- queueRestore in runs (redis.ts). While a restore is under way the meta's `restoring` holds the
-- shift M its first run gave the entries it found, and `restoreBase` how many sequences the engine
-- had then; admit.lua admits nobody meanwhile, and a run cut short is resumed by the next restore.
-- First run: refused (-1) when nothing is under way and the sequence and the admissions have reached
-- the record's. A new restore renumbers the waiting and pre-queue entries it finds after the record's
-- (seq + M, order kept; passes and finished entries keep theirs). Returns {user, state, original seq}
-- for every renumbered entry. Later runs: -2 when the restore was finished meanwhile (by another node).
-- Every run merges its recorded entries with the engine's by the record's own forward rule: whichever
-- (seq, stage) is further along stays, so a pass the engine kept stays and a join made during the
-- restore (a sequence above the record's) is not undone; a run repeated changes nothing.
local AFTER_OPENING = 1e13
local STAGE = { p = 0, w = 1, x = 1.5, a = 2, c = 3, l = 4 }
local fmt = function(n) return string.format('%d', n) end
local now, seen_at = tonumber(ARGV[3]), ARGV[9]
local meta = redis.call('HMGET', KEYS[7], 'restoring', 'restoreBase', 'admitted')
local shift, base = tonumber(meta[1]), tonumber(meta[2])
local out = {}
if ARGV[2] ~= '1' and not shift then return -2 end
if ARGV[2] == '1' then
  if not shift then
    local had, admitted = tonumber(redis.call('GET', KEYS[1]) or '0'), tonumber(meta[3] or '0')
    if had >= tonumber(ARGV[1]) and admitted >= tonumber(ARGV[7]) then return -1 end
    shift, base = math.max(had, tonumber(ARGV[1])), had
    local all = redis.call('HGETALL', KEYS[2])
    for i = 1, #all, 2 do
      local user, tag, seq = all[i], string.match(all[i + 1], '^(%a):(%d+)$')
      if tag == 'w' or tag == 'p' then
        local raw = tag .. ':' .. fmt(tonumber(seq) + shift)
        redis.call('HSET', KEYS[2], user, raw)
        if tag == 'w' then redis.call('ZADD', KEYS[3], fmt(AFTER_OPENING + seq + shift), user) end
        if tag == 'p' then redis.call('ZADD', KEYS[4], fmt(seq + shift), user) end
        out[#out + 1], out[#out + 2], out[#out + 3] = user, raw, seq
      end
    end
    redis.call('SET', KEYS[1], fmt(shift + had))
    redis.call('HSET', KEYS[7], 'restoring', fmt(shift), 'restoreBase', fmt(had))
    if ARGV[5] == '1' then redis.call('HSET', KEYS[7], 'opened', '1') end
    if ARGV[6] == '1' then redis.call('HSET', KEYS[7], 'drawn', '1') end
    -- The record's count, or what the engine kept if more (a failover that lost only the last writes):
    -- never their sum, which the ETA would read as a burst of admissions.
    if admitted < tonumber(ARGV[7]) then redis.call('HSET', KEYS[7], 'admitted', ARGV[7]) end
  else
    -- Resumed: every renumbered entry as it stands, so that this restore records them too.
    local all = redis.call('HGETALL', KEYS[2])
    for i = 1, #all, 2 do
      local seq = tonumber(string.match(all[i + 1], '^%a:(%d+)'))
      if seq > shift and seq <= shift + base then
        out[#out + 1], out[#out + 2], out[#out + 3] = all[i], all[i + 1], fmt(seq - shift)
      end
    end
  end
end
-- Drawn (by the record or by the engine itself): a pre-queue entry stands where the draw put the rest.
local drawn = redis.call('HGET', KEYS[7], 'drawn') == '1'
for i = 10, #ARGV, 3 do
  local user, raw, place = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  local tag, seq = string.match(raw, '^(%a):(%d+)')
  seq = tonumber(seq)
  local had = redis.call('HGET', KEYS[2], user)
  local take = true
  if had then
    local htag, hseq = string.match(had, '^(%a):(%d+)')
    hseq = tonumber(hseq)
    if hseq > shift and hseq <= shift + base then hseq = hseq - shift end
    -- The same entry both waiting: the record's place (a draw's) is the one to keep.
    local same_line = hseq == seq and STAGE[htag] <= 1 and STAGE[tag] <= 1
    take = same_line or seq > hseq or (seq == hseq and STAGE[tag] >= STAGE[htag])
  end
  if take then
    if tag == 'p' and drawn then tag, raw = 'w', 'w:' .. fmt(seq) end
    redis.call('ZREM', KEYS[3], user)
    redis.call('ZREM', KEYS[4], user)
    redis.call('ZREM', KEYS[6], user)
    redis.call('HSET', KEYS[2], user, raw)
    if tag == 'w' then
      redis.call('ZADD', KEYS[3], place, user)
      redis.call('HSET', KEYS[5], user, seen_at)
    elseif tag == 'p' then
      redis.call('ZADD', KEYS[4], place, user)
      redis.call('HSET', KEYS[5], user, seen_at)
    elseif tag == 'a' then
      local expires = string.match(raw, '^a:%d+:(%d+)$')
      if tonumber(expires) > now then redis.call('ZADD', KEYS[6], expires, user) end
    end
  end
end
if ARGV[8] == '1' then redis.call('HDEL', KEYS[7], 'restoring', 'restoreBase') end
redis.call('HINCRBY', KEYS[7], 'version', 1)
keep(ARGV[4])
return out
