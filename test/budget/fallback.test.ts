// The shared budget when Redis is away: never silent (onStoreError for every failed call, the
// mode 'fallback' announced once), a reduced local share meanwhile, at most one attempt to reach
// Redis per second, and back to 'shared' when Redis answers.
import { createServer, connect, type Server, type Socket } from 'node:net'
import t from 'tap'
import type { BudgetMode, BudgetOperation, BudgetSlot, RateBudgetStore } from '../../src/upstream/budget/budget.ts'
import { createRateBudget, fallbackWindows } from '../../src/upstream/budget/budget-factory.ts'
import { SharedRateBudget } from '../../src/upstream/budget/shared-rate-budget.ts'
import { client, connected, dropPrefix, randomPrefix, redisMissing, redisUrl, sleep } from './redis.ts'

const clock = (start = Date.now()) => {
  let now = start
  return { now: () => now, advance: (ms: number) => { now += ms } }
}

function observer () {
  const errors: Array<{ operation: BudgetOperation, message: string }> = []
  const modes: BudgetMode[] = []
  return {
    errors,
    modes,
    onStoreError: (err: unknown, operation: BudgetOperation) => {
      errors.push({ operation, message: (err as Error).message })
    },
    onModeChange: (mode: BudgetMode) => modes.push(mode)
  }
}

async function take (b: RateBudgetStore, cls: string): Promise<BudgetSlot> {
  const r = await b.reserve(cls)
  if (!('slot' in r)) throw new Error(`expected a slot, got a wait of ${r.waitMs} ms`)
  return r.slot
}

async function freePort (): Promise<number> {
  const s = createServer()
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve))
  const port = (s.address() as { port: number }).port
  await new Promise((resolve) => s.close(resolve))
  return port
}

const windows = { light: [{ limit: 8, ms: 60_000 }] } // fallback share 0.25: 2

t.test('Redis unreachable from the start: fallback with a quarter of the budget, every error reported', async (t) => {
  const redis = client(`redis://127.0.0.1:${await freePort()}`)
  t.teardown(() => redis.disconnect())
  const c = clock()
  const o = observer()
  const b = createRateBudget({
    providerId: 'zwa',
    windowsByClass: windows,
    redis,
    fallbackShare: 0.25,
    now: c.now,
    ...o
  })
  t.equal(b.mode(), 'shared', 'optimistic until the first call')
  const first = await take(b, 'light')
  t.equal(b.mode(), 'fallback')
  t.same(o.modes, ['fallback'], 'the change is announced')
  const refused = /writeable|ECONNREFUSED|Connection/
  t.match(o.errors, [{ operation: 'reserve', message: refused }], 'the Redis error is passed on')
  await take(b, 'light')
  t.equal(o.errors.length, 1, 'within a second of the failure Redis is not asked again')
  const r = await b.reserve('light')
  t.same(r, { waitMs: 60_000 }, 'the local share (2 of 8) is used up')
  b.done(first)
  await b.close()
  t.equal(o.errors.length, 1, 'a slot taken in fallback is released locally')
  c.advance(1_000)
  t.ok('waitMs' in await b.reserve('light'), 'still the local share')
  t.equal(o.errors.length, 2, 'a second later, one new attempt to reach Redis')
  t.same(o.modes, ['fallback'], 'no repeated mode change')
  b.pause('free', c.now() + 5_000)
  await b.close()
  t.match(o.errors[2], { operation: 'pause' }, 'a pause that cannot be shared is reported')
  t.same(await b.reserve('free'), { waitMs: 5_000 }, 'and still honoured by this replica')
})

t.test('Redis goes away and comes back', { skip: await redisMissing() }, async (t) => {
  const redis = await connected()
  const admin = await connected()
  const prefix = randomPrefix()
  t.teardown(async () => {
    await dropPrefix(admin, prefix)
    admin.disconnect()
    redis.disconnect()
  })
  const key = `${prefix}{zwa:light}:60000`
  const c = clock()
  const o = observer()
  const b = createRateBudget({
    providerId: 'zwa', windowsByClass: windows, redis, fallbackShare: 0.25, keyPrefix: prefix, now: c.now, ...o
  })
  const shared = await take(b, 'light')
  t.equal(b.mode(), 'shared')
  t.equal(await admin.zcard(key), 1)

  redis.disconnect()
  const local = await take(b, 'light')
  t.equal(b.mode(), 'fallback')
  t.same(o.modes, ['fallback'])
  t.match(o.errors, [{ operation: 'reserve' }])
  b.done(shared)
  b.done(local)
  await b.close()
  t.match(o.errors, [{ operation: 'reserve' }, { operation: 'done' }], 'completing a shared slot fails loudly')
  t.ok(await admin.zscore(key, (await admin.zrange(key, 0, 0))[0]) as unknown as number > Date.now() + 60_000,
    'that slot stays in flight in Redis until its lease runs out')

  while (redis.status !== 'end') await sleep(10)
  await redis.connect()
  await take(b, 'light')
  t.equal(await admin.zcard(key), 1, 'within a second of the failure: still local, Redis not asked')
  c.advance(1_000)
  const back = await take(b, 'light')
  t.equal(b.mode(), 'shared', 'a second later Redis is asked again, and answers')
  t.same(o.modes, ['fallback', 'shared'])
  t.equal(await admin.zcard(key), 2, 'the slot came from Redis')
  b.done(back)
  await b.close()
  t.equal(o.errors.length, 2, 'no errors once back')
})

// Forwards a TCP connection to Redis, holding every answer back for `delayMs`.
async function slowProxy (delayMs: number): Promise<{ server: Server, url: string }> {
  const target = new URL(redisUrl)
  const sockets: Socket[] = []
  const server = createServer((down) => {
    const up = connect(Number(target.port || 6379), target.hostname)
    sockets.push(down, up)
    down.on('data', (d) => up.write(d))
    up.on('data', (d) => setTimeout(() => down.writable && down.write(d), delayMs))
    down.on('error', () => up.destroy())
    up.on('error', () => down.destroy())
    down.on('close', () => up.destroy())
  })
  server.on('close', () => sockets.forEach((s) => s.destroy()))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { server, url: `redis://127.0.0.1:${(server.address() as { port: number }).port}` }
}

const slowTitle = 'a slow Redis never holds a request: a timeout counts as a failure, a late grant is returned'
t.test(slowTitle, { skip: await redisMissing() }, async (t) => {
  const proxy = await slowProxy(300)
  const redis = await connected(proxy.url)
  const admin = await connected()
  const prefix = randomPrefix()
  t.teardown(async () => {
    await dropPrefix(admin, prefix)
    admin.disconnect()
    redis.disconnect()
    proxy.server.close()
  })
  const o = observer()
  const b = new SharedRateBudget({
    redis,
    providerId: 'zwa',
    windowsByClass: windows,
    fallbackWindows: fallbackWindows(windows, 0.25),
    keyPrefix: prefix,
    timeoutMs: 100,
    ...o
  })
  const started = Date.now()
  const slot = await take(b, 'light')
  t.ok(Date.now() - started < 250, 'answered from the local share after the timeout')
  t.equal(b.mode(), 'fallback')
  t.match(o.errors, [{ operation: 'reserve', message: /did not answer within 100 ms/ }])
  b.done(slot)
  t.equal(await admin.zcard(`${prefix}{zwa:light}:60000`), 1, 'Redis did grant it, but the answer is late')
  await sleep(900) // the grant arrives late and is given back (through the slow proxy)
  t.equal(await admin.zcard(`${prefix}{zwa:light}:60000`), 0, 'the late grant was cancelled')
})

t.test('probe: Redis unreachable at start-up is fallback at once, reachable stays shared', async (t) => {
  const dead = client(`redis://127.0.0.1:${await freePort()}`)
  t.teardown(() => dead.disconnect())
  const o = observer()
  const down = createRateBudget({ providerId: 'zwa', windowsByClass: windows, redis: dead, fallbackShare: 0.25, ...o })
  await down.probe!()
  t.equal(down.mode(), 'fallback', 'known before any vendor call')
  t.same(o.modes, ['fallback'])
  t.equal(o.errors[0]?.operation, 'probe', 'and reported')
  await down.close()

  const skip = await redisMissing()
  if (skip) return t.comment(skip)
  const live = await connected()
  t.teardown(() => live.disconnect())
  const o2 = observer()
  const up = createRateBudget({ providerId: 'zwa', windowsByClass: windows, redis: live, fallbackShare: 0.25, ...o2 })
  await up.probe!()
  t.equal(up.mode(), 'shared')
  t.same(o2.errors, [], 'no error')
  await up.close()
})
