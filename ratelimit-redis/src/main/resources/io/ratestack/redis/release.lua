-- Ends one use in every limit it holds: complete (counts it in the window) or cancel (frees its slot).
-- KEYS: as acquire.lua. ARGV: token, 1 to complete or 0 to cancel, now (us) or 'T' for the server's TIME, then for
-- each limit: limit, period (us). A use whose lease already expired counts only where its limit still has room.
-- Numbers passed to Redis are formatted with %.0f: Redis would print them with %.14g and round microseconds.
local now
if ARGV[3] == 'T' then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
else
  now = tonumber(ARGV[3])
end
local complete = ARGV[2] == '1'
for i = 1, #KEYS / 2 do
  local state, leases = KEYS[2 * i - 1], KEYS[2 * i]
  local limit, period = tonumber(ARGV[2 + 2 * i]), tonumber(ARGV[3 + 2 * i])
  local held = redis.call('ZREM', leases, ARGV[1]) == 1
  if complete then
    local used = tonumber(redis.call('HGET', state, 'used') or '0')
    local ends = redis.call('HGET', state, 'end')  -- false: no window running
    ends = ends and tonumber(ends)
    if ends and now >= ends then
      used, ends = 0, false
    end
    redis.call('ZREMRANGEBYSCORE', leases, '-inf', now)
    if held or used + redis.call('ZCARD', leases) < limit then
      used = used + 1
      if not ends then ends = now + period end
      redis.call('HSET', state, 'used', used, 'end', string.format('%.0f', ends))
      redis.call('PEXPIRE', state, math.ceil((ends - now) / 1000) + 1)
    end
  end
end
return {1}
