-- Reads the limits of a use without taking or changing anything.
-- KEYS, ARGV: as acquire.lua, without token and lease: now (us) or 'T' for the server's TIME, then for each limit:
-- limit, period (us). Returns {remaining, reset in (us)}: the least room over the limits, and the longest time until
-- a running window ends (0 when none runs).
local now
if ARGV[1] == 'T' then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
else
  now = tonumber(ARGV[1])
end
local remaining = nil
local reset = 0
for i = 1, #KEYS / 2 do
  local state, leases = KEYS[2 * i - 1], KEYS[2 * i]
  local limit = tonumber(ARGV[2 * i])
  local used = tonumber(redis.call('HGET', state, 'used') or '0')
  local ends = redis.call('HGET', state, 'end')  -- false: no window running
  ends = ends and tonumber(ends)
  if ends and now >= ends then
    used, ends = 0, false
  end
  if ends and ends - now > reset then reset = ends - now end
  local free = limit - used - redis.call('ZCOUNT', leases, '(' .. string.format('%.0f', now), '+inf')
  if free < 0 then free = 0 end
  if remaining == nil or free < remaining then remaining = free end
end
return {remaining, reset}
