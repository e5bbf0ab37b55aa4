import { randomUUID } from 'node:crypto'
import t from 'tap'
import { createGatewayClient, type Incident } from '../../clients/typescript/index.ts'
import { buildApp } from '../../src/app.ts'
import { loadConfig } from '../../src/config/load.ts'
import { startDemo } from '../../src/demo/start-demo.ts'
import { captureLogs } from '../helpers/build.ts'

// The generated TypeScript client against demo mode (both simulators and the gateway, in-process
// on ephemeral ports): what a consumer's code does with it, typed end to end.
async function startDemoGateway (incidents: number) {
  const demo = await startDemo(loadConfig({ DEMO_INCIDENTS: String(incidents), DEMO_API_KEY: 'client-test-key-0123456789', AUDIT_LOG: 'off' }))
  const { logger } = captureLogs('warn')
  const app = await buildApp(demo.config, { logger })
  const url = await app.listen({ host: '127.0.0.1', port: 0 })
  return { url, apiKey: demo.apiKey, close: async () => { await app.close(); await demo.close() } }
}

t.test('list, walk, get and close through the typed client', async (t) => {
  const gateway = await startDemoGateway(23)
  t.teardown(() => gateway.close())
  const client = createGatewayClient(`${gateway.url}/`, gateway.apiKey)

  const first = await client.GET('/v1/incidents', { params: { query: { limit: 10 } } })
  t.equal(first.response.status, 200)
  t.equal(first.data?.data.length, 10)
  t.ok(first.response.headers.get('x-request-id'))

  // Walk next_cursor to the end: every incident of both providers exactly once.
  const seen: Incident[] = []
  let cursor: string | null | undefined
  let pages = 0
  do {
    const page = await client.GET('/v1/incidents', { params: { query: { limit: 10, ...(cursor ? { cursor } : {}) } } })
    if (!page.data) throw new Error(`page ${pages} failed: ${JSON.stringify(page.error)}`)
    seen.push(...page.data.data)
    cursor = page.data.next_cursor
    pages++
  } while (cursor && pages < 50)
  t.equal(cursor, null, 'the walk ends')
  t.equal(seen.length, 46, '23 incidents per provider')
  t.equal(new Set(seen.map((i) => i.id)).size, seen.length, 'no duplicates')
  t.same(new Set(seen.map((i) => i.provider)), new Set(['zwa', 'cloudlock']))

  // A comma-list filter as the client serializes it.
  const severe = await client.GET('/v1/incidents', { params: { query: { severity: ['high', 'critical'], limit: 100 } } })
  t.equal(severe.response.status, 200)
  t.same(severe.data?.data.map((i) => i.id).sort(), seen.filter((i) => i.severity === 'high' || i.severity === 'critical').map((i) => i.id).sort())

  const open = seen.find((i) => i.provider === 'cloudlock' && i.status !== 'resolved' && i.status !== 'dismissed')
  if (!open) throw new Error('demo data has no open Cloudlock incident')
  const one = await client.GET('/v1/incidents/{id}', { params: { path: { id: open.id } } })
  t.equal(one.data?.id, open.id)
  t.equal(one.data?.title, open.title)

  const key = randomUUID()
  const close = () => client.POST('/v1/incidents/{id}/close', {
    params: { path: { id: open.id }, header: { 'idempotency-key': key } },
    body: { classification: 'false_positive' }
  })
  const closed = await close()
  t.equal(closed.response.status, 200)
  t.equal(closed.data?.status, 'dismissed', 'Cloudlock: false_positive dismisses')
  const again = await close()
  t.equal(again.response.headers.get('idempotent-replayed'), 'true', 'the same key replays the answer')
  t.same(again.data, closed.data)

  // Errors come back typed as problem documents.
  const missing = await client.GET('/v1/incidents/{id}', { params: { path: { id: 'nowhere:1' } } })
  t.equal(missing.response.status, 404)
  t.equal(missing.error?.code, 'not_found')
  const refused = await createGatewayClient(gateway.url, 'wrong-key-0123456789').GET('/v1/providers')
  t.equal(refused.error?.code, 'unauthorized')
})
