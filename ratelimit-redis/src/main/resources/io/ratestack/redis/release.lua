-- Ends one use in every limit it holds: complete (counts it in the window) or cancel (frees its slot).
-- KEYS: as acquire.lua. ARGV: token, 1 to complete or 0 to cancel, now (us, or -1 for TIME), then for each limit:
-- limit, period (us). A use whose lease already expired counts only where its limit still has room.
local now = tonumber(ARGV[3])
if now < 0 then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
end
local complete = ARGV[2] == '1'
for i = 1, #KEYS / 2 do
  local state, leases = KEYS[2 * i - 1], KEYS[2 * i]
  local limit, period = tonumber(ARGV[2 + 2 * i]), tonumber(ARGV[3 + 2 * i])
  local held = redis.call('ZREM', leases, ARGV[1]) == 1
  if complete then
    local used = tonumber(redis.call('HGET', state, 'used') or '0')
    local ends = tonumber(redis.call('HGET', state, 'end') or '0')
    if ends > 0 and now >= ends then
      used, ends = 0, 0
    end
    redis.call('ZREMRANGEBYSCORE', leases, '-inf', now)
    if held or used + redis.call('ZCARD', leases) < limit then
      used = used + 1
      if ends == 0 then ends = now + period end
      redis.call('HSET', state, 'used', used, 'end', ends)
      redis.call('PEXPIRE', state, math.ceil((ends - now) / 1000) + 1)
    end
  end
end
return {1}
