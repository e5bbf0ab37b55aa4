// A provider's shared rate budget is keyed by the vendor tenant it calls (host and credential):
// replicas and provider entries calling the same tenant share one budget, a different tenant never
// does, and the Redis key holds no credential in clear (src/upstream/create-pipeline.ts).
import { randomUUID } from 'node:crypto'
import t from 'tap'
import { MockAgent } from 'undici'
import { staticBearer } from '../../src/upstream/authenticator.ts'
import { createPipeline } from '../../src/upstream/create-pipeline.ts'
import type { Operation } from '../../src/upstream/operation.ts'
import { sha256Hex } from '../../src/util/hash.ts'
import { connected, redisMissing } from '../budget/redis.ts'
import { testResilience } from '../helpers/resilience.ts'

// One call a minute in class `default`, refused at once beyond it (max_wait_ms 0), no retries.
const resilience = testResilience({ default: { per_minute: 1, per_hour: 0 } }, {}, true)

const read: Operation<unknown> =
  { name: 'list', method: 'GET', path: '/x', rateClass: 'default', idempotent: true, parse: (b) => b }

t.test('one budget per vendor tenant', { skip: await redisMissing() }, async (t) => {
  const redis = await connected()
  const agent = new MockAgent()
  agent.disableNetConnect()
  agent.get('http://vendor.test').intercept({ path: '/x', method: 'GET' }).reply(200, {}).persist()
  const run = randomUUID().slice(0, 8) // tokens unique per run: budgets of earlier runs never count
  const replica = (token: string, providerId = 'bt') => createPipeline({
    providerId,
    providerType: 'cloudlock',
    baseUrl: 'http://vendor.test',
    timeouts: { connect_ms: 500, headers_ms: 500, body_ms: 500 },
    maxConnections: 2,
    resilience,
    errorMessageKey: 'message',
    tenant: `http://vendor.test\n${token}`,
    authenticator: () => staticBearer(token)
  }, { dispatcher: agent, redis }).pipeline
  const a = replica(`token-of-tenant-one-${run}`)
  const b = replica(`token-of-tenant-one-${run}`, 'another-entry')
  const c = replica(`token-of-tenant-two-${run}`)
  const keys: string[] = []
  t.teardown(async () => {
    await Promise.all([a.close(), b.close(), c.close()])
    if (keys.length > 0) await redis.del(...keys)
    redis.disconnect()
    await agent.close()
  })

  await a.call(read, {}, {})
  t.equal(a.budgetMode(), 'shared')
  await t.rejects(b.call(read, {}, {}), { code: 'upstream_rate_limited' }, 'same tenant, even under another provider id: the budget is spent')
  t.same(await c.call(read, {}, {}), {}, 'another tenant: a budget of its own')
  for (const tenant of ['one', 'two']) {
    const hash = sha256Hex(`http://vendor.test\ntoken-of-tenant-${tenant}-${run}`).slice(0, 16)
    keys.push(...await redis.keys(`dlpgw:budget:{cloudlock:${hash}*`))
  }
  t.ok(keys.length >= 2, `one key per tenant (${keys.length})`)
  t.notOk(keys.some((k) => k.includes('token-of-tenant')), 'no credential in a key')
})
