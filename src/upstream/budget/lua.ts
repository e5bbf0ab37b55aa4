import { RedisScript } from '../../state/redis-script.ts'

// The shared budget's Redis scripts, one per operation, each atomic. Per (provider, class, window)
// one sorted set: member = slot id, score = when the slot expires. A slot in flight scores
// grant + lease + window, so a replica that died mid-request frees it a lease later; a completed one
// scores done + window. Every time is Redis's own (TIME), so replica clocks do not matter. A pause
// is one key per class holding the end of the pause, expiring with it.
//
// Why the "how long until a slot frees" below equals the local budget's: a live in-flight slot
// scores more than now + window and a completed one at most that, so the (n - limit + 1)th lowest
// score, capped at now + window, is the (n - limit + 1)th earliest expiry when an in-flight slot
// counts as "a window from now" (local-rate-budget.ts). The property test in
// test/budget/shared-rate-budget.test.ts compares both.

const NOW = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local function int (x) return string.format('%.0f', x) end
`

// KEYS: pause key, then one key per window. ARGV: slot id, lease ms, pause tolerance ms, the
// caller's own wait (a pause it knows of), then limit and ms per window. Returns {1, 0} with the
// slot taken in every window, or {0, wait ms} with nothing taken: all windows or none.
const RESERVE = `${NOW}
local lease = tonumber(ARGV[2])
local wait = tonumber(ARGV[4])
local paused = tonumber(redis.call('GET', KEYS[1]) or '0') - now
if paused > tonumber(ARGV[3]) and paused > wait then wait = paused end
for j = 2, #KEYS do
  local limit = tonumber(ARGV[2 * j + 1])
  local ms = tonumber(ARGV[2 * j + 2])
  redis.call('ZREMRANGEBYSCORE', KEYS[j], '-inf', int(now))
  local n = redis.call('ZCARD', KEYS[j])
  if n >= limit then
    local e = redis.call('ZRANGE', KEYS[j], n - limit, n - limit, 'WITHSCORES')
    local free = math.min(tonumber(e[2]), now + ms) - now
    if free > wait then wait = free end
  end
end
if wait > 0 then return {0, wait} end
for j = 2, #KEYS do
  local ms = tonumber(ARGV[2 * j + 2])
  redis.call('ZADD', KEYS[j], int(now + lease + ms), ARGV[1])
  redis.call('PEXPIRE', KEYS[j], int(lease + ms + 1000))
end
return {1, 0}`

// KEYS: one per window. ARGV: slot id, lease ms, then ms per window. The slot expires a window
// from now (added back if its lease had already run out: the vendor saw the request anyway). The
// key's expiry stays beyond every score in it, since no score exceeds now + lease + window.
const DONE = `${NOW}
local lease = tonumber(ARGV[2])
for j = 1, #KEYS do
  local ms = tonumber(ARGV[2 + j])
  redis.call('ZADD', KEYS[j], int(now + ms), ARGV[1])
  redis.call('PEXPIRE', KEYS[j], int(lease + ms + 1000))
end
return 1`

// KEYS: one per window. ARGV: slot id.
const CANCEL = `for j = 1, #KEYS do redis.call('ZREM', KEYS[j], ARGV[1]) end
return 1`

// KEYS: pause key. ARGV: pause length in ms from now (Redis's now). A longer pause wins.
const PAUSE = `${NOW}
local len = tonumber(ARGV[1])
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if now + len > current then redis.call('SET', KEYS[1], int(now + len), 'PX', int(len)) end
return 1`

export const scripts = {
  reserve: new RedisScript(RESERVE),
  done: new RedisScript(DONE),
  cancel: new RedisScript(CANCEL),
  pause: new RedisScript(PAUSE)
}
