// The Lua scripts behind Redis state (src/state/redis-script.ts, src/state/rate-limit-store.ts):
// a script the server does not know yet (a restart, SCRIPT FLUSH) is sent in full once, and a
// rate-limit counter found without a TTL gets one, so it cannot block its key forever.
import { createHash, randomUUID } from 'node:crypto'
import { Redis } from 'ioredis'
import t from 'tap'
import { redisRateLimitStore } from '../../src/state/rate-limit-store.ts'
import { RedisScript } from '../../src/state/redis-script.ts'
import type { TapTest } from '../helpers/build.ts'

const redisUrl = process.env.REDIS_URL
const skip = redisUrl ? false : 'REDIS_URL is not set (CI sets redis://127.0.0.1:6379)'

async function client (t: TapTest): Promise<Redis> {
  const redis = new Redis(redisUrl!)
  t.teardown(() => redis.disconnect())
  await redis.ping()
  return redis
}

t.test('a script unknown to the server runs through EVAL, then by its SHA1', { skip }, async (t) => {
  const redis = await client(t)
  // A script no server has seen (a fresh comment), as after a restart or SCRIPT FLUSH.
  const lua = `-- ${randomUUID()}\nreturn ARGV[1]`
  const sha = createHash('sha1').update(lua).digest('hex')
  const script = new RedisScript(lua)
  t.same(await redis.script('EXISTS', sha), [0], 'not loaded yet')
  t.equal(await script.run(redis, [], ['first']), 'first', 'NOSCRIPT falls back to the full script')
  t.same(await redis.script('EXISTS', sha), [1], 'the server now knows it')
  t.equal(await script.run(redis, [], ['second']), 'second')
})

t.test('a rate-limit counter without a TTL gets one on its next increment', { skip }, async (t) => {
  const redis = await client(t)
  const prefix = `test-rl-${randomUUID()}:`
  t.teardown(async () => { await redis.del(`${prefix}k`) })
  await redis.set(`${prefix}k`, '41') // a counter left behind without expiry
  const Store = redisRateLimitStore(redis, prefix, () => {})
  const store = new Store({})
  const result = await new Promise<{ current: number, ttl: number }>((resolve, reject) => {
    store.incr('k', (err, res) => { if (err) reject(err); else resolve(res!) }, 60_000, 100)
  })
  t.equal(result.current, 42)
  t.ok(result.ttl > 0 && result.ttl <= 60_000, `ttl ${result.ttl}`)
  const pttl = await redis.pttl(`${prefix}k`)
  t.ok(pttl > 0 && pttl <= 60_000, `the key expires again (${pttl} ms)`)
})
