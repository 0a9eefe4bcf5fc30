-- Every limit of one use, of any algorithm, in one call: acquire (all or nothing), release, or peek.
-- Each algorithm keeps the in-memory limiter's integer arithmetic, in microseconds. Lua numbers are doubles, exact
-- for integers below 2^53 (285 years in microseconds); a product that could pass it (a refill's tokens times its
-- elapsed time, a sliding window's count times its elapsed time) takes an exact long division or, where the core
-- itself falls back to floating point, the same fallback.
--
-- KEYS: two per limit: times-per: state hash (used, end, held), leases (token#cost -> expiry); concurrency: state
-- hash (held), leases; token bucket: hash (tokens, rem, last), twice; GCRA: its theoretical arrival time, twice;
-- sliding window: hash (prev, cur, start), twice.
-- ARGV: op ('a' acquire, 'r' release, 'p' peek), now (us) or 'T' for the server's TIME, token, lease (us), cost,
-- actual cost (release), then seven per limit: kind, the largest cost it admits (LimitSpec.maxCost), and five terms,
-- unused ones 0:
--   t: limit, window (us)        c: permits, retry-after hint (us)
--   b: capacity, refill tokens, refill period (us), greedy (1 or 0), initial tokens
--   g: burst, emission interval (us)        w: limit, window (us)
-- Acquire returns {1, remaining after, now, ...} when granted, {0, retry after (us, -1: never), remaining, ...} when
-- refused, where ... is for each limit its remaining uses and the time until it resets (us, 0: nothing to reset),
-- after the grant if granted. Release returns {1}; peek {remaining, reset in (us)} over all the limits.
-- Numbers passed to Redis are formatted with %.0f: Redis would print them with %.14g and round microseconds.
local TWO53 = 9007199254740992
local op = ARGV[1]
local now
if ARGV[2] == 'T' then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
else
  now = tonumber(ARGV[2])
end
local token, lease, cost, actual = ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local write = op ~= 'p'

local function fmt(x) return string.format('%.0f', x) end

-- floor(a / b) and the remainder, exact for integers 0 <= a < 2^53, 0 < b
local function idiv(a, b)
  local q = math.floor(a / b)
  local r = a - q * b
  if r < 0 then q, r = q - 1, r + b elseif r >= b then q, r = q + 1, r - b end
  return q, r
end

-- floor(a * b / c) for 0 <= a, b and 0 < c < 2^52 with a < c or b < c; exact (a long division past 2^53)
local function muldiv(a, b, c)
  if a * b < TWO53 then return (idiv(a * b, c)) end
  if a >= c then a, b = b, a end
  local bits = {}
  while b > 0 do local h = math.floor(b / 2); bits[#bits + 1] = b - 2 * h; b = h end
  local q, r = 0, 0
  for k = #bits, 1, -1 do
    q, r = q * 2, r * 2
    if r >= c then r, q = r - c, q + 1 end
    if bits[k] == 1 then
      r = r + a
      if r >= c then r, q = r - c, q + 1 end
    end
  end
  return q
end

-- Keys live a second past their content: a state a moment from empty is not lost between two calls when the caller's
-- clock (a test's) runs behind the server's, by which keys expire.
local GRACE_MS = 1000
local function ttl(us) return fmt(math.ceil(us / 1000) + GRACE_MS) end
local function expire(key, us) redis.call('PEXPIRE', key, ttl(us)) end

local function num(v, default) return (v and tonumber(v)) or default end

-- ---- in-flight uses (times-per, concurrency): held = the costs of the live leases ----

local function leaseCost(member) return tonumber(string.match(member, '#(%d+)$') or '1') end

local function loadLeases(st, key, leases)
  local held = num(redis.call('HGET', key, 'held'), 0)
  local expired = redis.call('ZRANGEBYSCORE', leases, '-inf', fmt(now))
  for _, m in ipairs(expired) do held = held - leaseCost(m) end
  if write and #expired > 0 then redis.call('ZREMRANGEBYSCORE', leases, '-inf', fmt(now)) end
  st.held = math.max(held, 0)
end

local function saveLeases(st, key, leases, keep)
  local last = redis.call('ZRANGE', leases, -1, -1, 'WITHSCORES')
  local lastLease = last[2] and tonumber(last[2])
  if lastLease then
    -- Live as long as the latest lease, whoever set it: instances may run with different leases.
    expire(leases, lastLease - now)
    if not keep or lastLease > keep then keep = lastLease end
  end
  if not keep then
    redis.call('DEL', key)
    return
  end
  if st.held > 0 then redis.call('HSET', key, 'held', fmt(st.held)) else redis.call('HDEL', key, 'held') end
  expire(key, keep - now)
end

-- ---- the algorithms: load (advanced to now), room, retry, take, release, reset, save ----

local kinds = {}

kinds.t = {
  load = function(st, key, leases, limit, window)
    st.used = num(redis.call('HGET', key, 'used'), 0)
    st.ends = num(redis.call('HGET', key, 'end'), nil)
    if st.ends and now >= st.ends then st.used, st.ends = 0, nil end
    loadLeases(st, key, leases)
  end,
  room = function(st, limit) return limit - st.used - st.held end,
  retry = function(st, key, leases, limit, window)
    -- The window's end, if it frees enough; else (the slots are in flight) a period, or the first lease's end.
    if st.ends and st.used > 0 and cost <= limit - st.held then return st.ends - now end
    local wait = window
    local first = redis.call('ZRANGE', leases, 0, 0, 'WITHSCORES')
    if first[2] then wait = math.min(wait, tonumber(first[2]) - now) end
    return wait
  end,
  take = function(st, key, leases)
    redis.call('ZADD', leases, fmt(now + lease), token .. '#' .. cost)
    st.held = st.held + cost
  end,
  release = function(st, key, leases, limit, window)
    local held = redis.call('ZREM', leases, token .. '#' .. cost) == 1
    if held then st.held = math.max(st.held - cost, 0) end
    local count = actual
    -- A use whose lease ran out counts only where its limit still has room.
    if not held then count = math.min(actual, math.max(limit - st.used - st.held, 0)) end
    if count > 0 then
      st.used = st.used + count
      if not st.ends then st.ends = now + window end
    end
  end,
  reset = function(st) return (st.ends and st.ends - now) or 0 end,
  save = function(st, key, leases)
    if st.used > 0 and st.ends then
      redis.call('HSET', key, 'used', fmt(st.used), 'end', fmt(st.ends))
    else
      redis.call('HDEL', key, 'used', 'end')
    end
    saveLeases(st, key, leases, st.used > 0 and st.ends or nil)
  end,
}

kinds.c = {
  load = function(st, key, leases) loadLeases(st, key, leases) end,
  room = function(st, permits) return permits - st.held end,
  retry = function(st, key, leases, permits, hint) return hint end,
  take = kinds.t.take,
  release = function(st, key, leases)
    if redis.call('ZREM', leases, token .. '#' .. cost) == 1 then st.held = math.max(st.held - cost, 0) end
  end,
  reset = function() return 0 end,
  save = function(st, key, leases) saveLeases(st, key, leases, nil) end,
}

-- Until time alone brings the bucket to wanted tokens (more than it holds): the least such time.
local function untilTokens(st, wanted, capacity, refill, period, greedy)
  local deficit = wanted - st.tokens
  local us
  if greedy == 1 then
    local need = deficit * period
    if need >= TWO53 then
      us = math.ceil(deficit * period / refill)
    else
      local q, r = idiv(need - st.rem, refill)
      us = q + ((r == 0) and 0 or 1)
    end
    us = us - (now - st.last)
  else
    us = st.last + period - now + idiv(deficit - 1, refill) * period
  end
  return math.max(us, 0)
end

kinds.b = {
  load = function(st, key, leases, capacity, refill, period, greedy, initial)
    local h = redis.call('HMGET', key, 'tokens', 'rem', 'last')
    if h[1] then
      st.tokens, st.rem, st.last = tonumber(h[1]), tonumber(h[2]), tonumber(h[3])
    else
      -- A new bucket (or one whose key expired full). Interval refills keep the server clock's phase.
      local _, phase = idiv(now, period)
      st.tokens, st.rem, st.last = initial, 0, (greedy == 1) and now or now - phase
      st.created = initial < capacity -- its refill starts now, even if this use is refused
    end
    local elapsed = now - st.last
    if elapsed <= 0 then return end
    if greedy ~= 1 then
      local _, r = idiv(elapsed, period)
      elapsed = elapsed - r
      if elapsed == 0 then return end
    end
    st.last = st.last + elapsed
    if st.tokens >= capacity then return end
    local added, left = 0, st.rem
    if elapsed >= period then
      local periods, r = idiv(elapsed, period)
      -- Full if every period brought a token, even a debt (the in-memory bucket, which has none, asks periods >= capacity)
      if periods >= capacity - st.tokens then st.tokens, st.rem = capacity, 0; return end
      added, elapsed = periods * refill, r
    end
    local scaled = refill * elapsed
    if scaled + left >= TWO53 then
      added, left = added + math.floor(elapsed / period * refill), 0
    else
      local q, r = idiv(scaled + left, period)
      added, left = added + q, r
    end
    if added >= capacity - st.tokens then
      st.tokens, st.rem = capacity, 0
    else
      st.tokens, st.rem = st.tokens + added, left
    end
  end,
  room = function(st) return st.tokens end,
  retry = function(st, key, leases, capacity, refill, period, greedy)
    return untilTokens(st, cost, capacity, refill, period, greedy)
  end,
  take = function(st) st.tokens = st.tokens - cost end,
  release = function(st, key, leases, capacity)
    -- Puts back cost - actual, never above capacity; a larger actual cost takes the rest, a debt if need be.
    st.tokens = st.tokens + cost - actual
    if st.tokens >= capacity then st.tokens, st.rem = capacity, 0 end
  end,
  reset = function(st, capacity, refill, period, greedy)
    if st.tokens >= capacity then return 0 end
    return untilTokens(st, capacity, capacity, refill, period, greedy)
  end,
  save = function(st, key, leases, capacity, refill, period, greedy, initial)
    local left
    if st.tokens < capacity then
      left = untilTokens(st, capacity, capacity, refill, period, greedy)
    elseif initial == capacity then
      redis.call('DEL', key) -- full: what a new bucket holds
      return
    else
      -- Full, but a new bucket would not be: kept as long as a new bucket takes to fill.
      left = untilTokens({tokens = initial, rem = 0, last = now}, capacity, capacity, refill, period, greedy)
    end
    redis.call('HSET', key, 'tokens', fmt(st.tokens), 'rem', fmt(st.rem), 'last', fmt(st.last))
    expire(key, left)
  end,
}

kinds.g = {
  load = function(st, key, leases, burst, interval)
    st.tat = math.max(num(redis.call('GET', key), now), now)
  end,
  room = function(st, burst, interval) return (idiv(burst * interval - (st.tat - now), interval)) end,
  retry = function(st, key, leases, burst, interval) return st.tat - now + (cost - burst) * interval end,
  take = function(st, key, leases, burst, interval) st.tat = st.tat + cost * interval end,
  release = function(st, key, leases, burst, interval)
    st.tat = math.max(now, st.tat + (actual - cost) * interval)
  end,
  reset = function(st) return st.tat - now end,
  save = function(st, key)
    if st.tat > now then
      redis.call('SET', key, fmt(st.tat), 'PX', ttl(st.tat - now))
    else
      redis.call('DEL', key)
    end
  end,
}

local function slidingRoom(limit, window, prev, cur, at)
  return math.max(limit - cur - (prev - muldiv(prev, at, window)), 0)
end

-- From at into a window with counts prev and cur until wanted <= limit uses fit at once by time alone.
local function untilRoom(limit, window, prev, cur, at, wanted)
  local spare = limit - cur - wanted
  if spare >= 0 then
    local from = 0
    if prev > 0 and spare < prev then from = window - muldiv(spare, window, prev) end
    if from <= at then return 0 end
    if from < window then return from - at end
  end
  return window - at + untilRoom(limit, window, cur, 0, 0, wanted)
end

kinds.w = {
  load = function(st, key, leases, limit, window)
    local h = redis.call('HMGET', key, 'prev', 'cur', 'start')
    if h[1] then
      st.prev, st.cur, st.start = tonumber(h[1]), tonumber(h[2]), tonumber(h[3])
    else
      local _, phase = idiv(now, window) -- windows keep the server clock's phase
      st.prev, st.cur, st.start = 0, 0, now - phase
    end
    local since = math.max(now - st.start, 0)
    if since >= window then
      local rolled, r = idiv(since, window)
      st.prev = (rolled == 1) and st.cur or 0
      st.cur, st.start, since = 0, st.start + rolled * window, r
    end
    st.elapsed = since
  end,
  room = function(st, limit, window) return slidingRoom(limit, window, st.prev, st.cur, st.elapsed) end,
  retry = function(st, key, leases, limit, window)
    return untilRoom(limit, window, st.prev, st.cur, st.elapsed, cost)
  end,
  take = function(st) st.cur = st.cur + cost end,
  release = function(st)
    -- actual - cost more; less comes off the running window, and what it cannot take off the previous one.
    local more = actual - cost
    if more >= 0 then
      st.cur = st.cur + more
    else
      local off = math.min(st.cur, -more)
      st.cur = st.cur - off
      st.prev = math.max(st.prev - (-more - off), 0)
    end
  end,
  reset = function(st, limit, window)
    if st.cur > 0 then return 2 * window - st.elapsed end
    if st.prev > 0 then return window - st.elapsed end
    return 0
  end,
  save = function(st, key, leases, limit, window)
    local left = kinds.w.reset(st, limit, window)
    if left == 0 then
      redis.call('DEL', key)
      return
    end
    redis.call('HSET', key, 'prev', fmt(st.prev), 'cur', fmt(st.cur), 'start', fmt(st.start))
    expire(key, left)
  end,
}

-- ---- the call ----

local n = #KEYS / 2
local limits = {}
for i = 1, n do
  local base = 6 + 7 * (i - 1)
  local l = {kind = kinds[ARGV[base + 1]], max = tonumber(ARGV[base + 2]), key = KEYS[2 * i - 1], leases = KEYS[2 * i],
    st = {}}
  l.a, l.b, l.c = tonumber(ARGV[base + 3]), tonumber(ARGV[base + 4]), tonumber(ARGV[base + 5])
  l.d, l.e = tonumber(ARGV[base + 6]), tonumber(ARGV[base + 7])
  l.kind.load(l.st, l.key, l.leases, l.a, l.b, l.c, l.d, l.e)
  limits[i] = l
end

if op == 'r' then
  for _, l in ipairs(limits) do
    l.kind.release(l.st, l.key, l.leases, l.a, l.b, l.c, l.d, l.e)
    l.kind.save(l.st, l.key, l.leases, l.a, l.b, l.c, l.d, l.e)
  end
  return {1}
end

if op == 'p' then
  local remaining, reset = nil, 0
  for _, l in ipairs(limits) do
    local free = math.max(l.kind.room(l.st, l.a, l.b), 0)
    if remaining == nil or free < remaining then remaining = free end
    reset = math.max(reset, l.kind.reset(l.st, l.a, l.b, l.c, l.d))
  end
  return {remaining, reset}
end

local granted = true
local retry = 0
for _, l in ipairs(limits) do
  l.room = l.kind.room(l.st, l.a, l.b)
  if cost > l.max then
    granted, retry = false, -1 -- never: more than the limit can ever admit
  elseif l.room < cost then
    granted = false
    local wait = l.kind.retry(l.st, l.key, l.leases, l.a, l.b, l.c, l.d, l.e)
    if retry >= 0 and wait > retry then retry = wait end
  end
end
local reply
local least = nil
for _, l in ipairs(limits) do
  if granted then
    l.kind.take(l.st, l.key, l.leases, l.a, l.b, l.c, l.d, l.e)
    l.room = l.room - cost
  end
  if granted or l.st.created then l.kind.save(l.st, l.key, l.leases, l.a, l.b, l.c, l.d, l.e) end
end
for _, l in ipairs(limits) do
  local free = math.max(l.room, 0)
  if least == nil or free < least then least = free end
end
if granted then reply = {1, least, now} else reply = {0, retry, least} end
for i, l in ipairs(limits) do
  reply[2 + 2 * i] = math.max(l.room, 0)
  reply[3 + 2 * i] = l.kind.reset(l.st, l.a, l.b, l.c, l.d)
end
return reply
