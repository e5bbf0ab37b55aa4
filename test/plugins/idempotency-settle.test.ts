// A repeat that decides an earlier unknown outcome (src/plugins/app/idempotency.ts, settle) only
// replaces or releases the very record it read: if another replica wrote a newer record under the
// key meanwhile, that record survives, whether the repeat's answer is kept or the key released.
import Fastify from 'fastify'
import t from 'tap'
import type { Config } from '../../src/config/schema.ts'
import { GatewayError } from '../../src/errors/gateway-error.ts'
import idempotency, { KEY_PREFIX } from '../../src/plugins/app/idempotency.ts'
import sharedState from '../../src/plugins/app/shared-state.ts'
import { MemoryStore } from '../../src/state/memory-store.ts'
import { sha256Hex } from '../../src/util/hash.ts'
import { fakeAuth } from '../helpers/fake-auth.ts'

const KEY = 'settle-key-1'
const BODY = { a: 1 }
// The record key and fingerprint the plugin derives for fakeAuth's principal, POST /w and BODY.
const storeKey = `${KEY_PREFIX}${sha256Hex(`tester\n${KEY}`)}`
const fp = sha256Hex(`POST /w\n${JSON.stringify(BODY)}`)
const UNKNOWN = JSON.stringify({ state: 'unknown', fp, outcome: { sentAt: Date.now(), timedOut: false } })
const NEWER = JSON.stringify({ state: 'pending', fp: 'another request, another replica' })

// A gateway whose POST /w, while deciding, sees another replica write NEWER under the key.
async function gateway (answer: 'ok' | 'fail') {
  const store = new MemoryStore()
  await store.set(storeKey, UNKNOWN, 60_000)
  const app = Fastify()
  app.decorate('config', { limits: { request_timeout_ms: 30_000 } } as unknown as Config)
  await app.register(sharedState, { store })
  await app.register(fakeAuth)
  await app.register(idempotency)
  app.post('/w', async (request) => {
    if (request.idempotency?.prior?.text !== UNKNOWN) throw new Error('the repeat did not read the unknown record')
    await store.set(storeKey, NEWER, 60_000)
    if (answer === 'fail') throw new GatewayError('provider_unavailable', 'not sent')
    return { decided: true }
  })
  await app.ready()
  return { app, store }
}

for (const answer of ['ok', 'fail'] as const) {
  t.test(`a newer record survives a deciding repeat (${answer === 'ok' ? 'answer kept' : 'key released'})`,
    async (t) => {
      const { app, store } = await gateway(answer)
      t.teardown(() => app.close())
      const res = await app.inject({ method: 'POST', url: '/w', payload: BODY, headers: { 'idempotency-key': KEY } })
      t.equal(res.statusCode, answer === 'ok' ? 200 : 503)
      t.equal(await store.get(storeKey), NEWER, 'the other replica\'s record is still there')
    })
}
