-- Takes one in-flight slot in every limit of a use, or none (all or nothing).
-- KEYS: for each limit, its state hash (fields used, end) then its sorted set of leases (token -> expiry).
-- ARGV: token, lease (us), now (us) or 'T' for the server's TIME, then for each limit: limit, period (us).
-- Returns {1, remaining after, now, ...} when granted, {0, retry after (us), remaining, ...} when refused, where ...
-- is, for each limit, its remaining uses (after the grant) and the time until its running window ends (us, 0: none).
-- Numbers passed to Redis are formatted with %.0f: Redis would print them with %.14g and round microseconds.
local now
if ARGV[3] == 'T' then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
else
  now = tonumber(ARGV[3])
end
local lease = tonumber(ARGV[2])
local granted = true
local retry = 0
local remaining = nil
local each = {}
for i = 1, #KEYS / 2 do
  local state, leases = KEYS[2 * i - 1], KEYS[2 * i]
  local limit, period = tonumber(ARGV[2 + 2 * i]), tonumber(ARGV[3 + 2 * i])
  local used = tonumber(redis.call('HGET', state, 'used') or '0')
  local ends = redis.call('HGET', state, 'end')  -- false: no window running
  ends = ends and tonumber(ends)
  if ends and now >= ends then
    used, ends = 0, false
    redis.call('DEL', state)
  end
  redis.call('ZREMRANGEBYSCORE', leases, '-inf', now)
  local free = limit - used - redis.call('ZCARD', leases)
  each[2 * i - 1] = math.max(free, 0)
  each[2 * i] = (ends and ends - now) or 0
  if free <= 0 then
    granted = false
    local wait = period
    if ends and used > 0 then
      wait = ends - now
    else
      local first = redis.call('ZRANGE', leases, 0, 0, 'WITHSCORES')
      if first[2] then wait = math.min(wait, tonumber(first[2]) - now) end
    end
    if wait > retry then retry = wait end
    free = 0
  else
    free = free - 1
  end
  if remaining == nil or free < remaining then remaining = free end
end
local reply
if not granted then
  reply = {0, retry, remaining}
else
  reply = {1, remaining, now}
end
for i = 1, #each do
  local v = each[i]
  if granted and i % 2 == 1 then v = v - 1 end  -- a grant took one of each limit's room
  reply[3 + i] = v
end
if not granted then
  return reply
end
for i = 1, #KEYS / 2 do
  local leases = KEYS[2 * i]
  redis.call('ZADD', leases, string.format('%.0f', now + lease), ARGV[1])
  -- Live as long as the latest lease, whoever set it: instances may run with different leases.
  local last = redis.call('ZRANGE', leases, -1, -1, 'WITHSCORES')
  redis.call('PEXPIRE', leases, math.ceil((tonumber(last[2]) - now) / 1000) + 1)
end
return reply
