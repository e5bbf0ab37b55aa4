// The incidents service on its own, without Fastify or HTTP: fake adapters behind the
// ProviderAdapter contract, a principal, and plain per-request options.
import t from 'tap'
import type { CallOptions, PageRequest, ProviderAdapter, StreamItem } from '../../src/adapters/types.ts'
import { capabilityNotSupported } from '../../src/errors/gateway-error.ts'
import { DEFAULT_TABLES } from '../../src/mapping/tables.ts'
import { INCIDENT_EXAMPLE } from '../../src/schemas/examples.ts'
import type { IncidentT } from '../../src/schemas/incident.ts'
import { LIST_FILTERS } from '../../src/schemas/provider.ts'
import { CursorCodec } from '../../src/services/cursor.ts'
import { IncidentService, type RequestContext } from '../../src/services/incident-service.ts'
import type { Principal } from '../../src/services/principal.ts'
import { newTracker } from '../../src/services/write-outcome.ts'

const incident = (provider: string, nativeId: string, createdAt: string): IncidentT => ({
  ...INCIDENT_EXAMPLE,
  id: `${provider}:${nativeId}`,
  provider,
  native_id: nativeId,
  created_at: createdAt,
  raw: { id: nativeId }
}) as IncidentT

// A provider holding `records` newest first; every call is recorded with its options.
function fakeAdapter (id: string, records: IncidentT[]) {
  const calls: Array<{ op: string, nativeId?: string, arg?: unknown, opts?: CallOptions | PageRequest }> = []
  const byId = new Map(records.map((r) => [r.native_id, r]))
  const found = (nativeId: string) => structuredClone(byId.get(nativeId)!)
  const refused = () => Promise.reject(capabilityNotSupported(id, 'history'))
  const adapter: ProviderAdapter = {
    id,
    type: 'cloudlock',
    baseUrl: `https://${id}.example`,
    capabilities: new Set(['list', 'get', 'close', 'transactions']),
    filtering: Object.fromEntries(LIST_FILTERS.map((f) => [f, 'gateway'])) as ProviderAdapter['filtering'],
    tables: DEFAULT_TABLES.cloudlock,
    isValidNativeId: (nativeId) => /^\d{1,20}$/.test(nativeId),
    async listPage (request) {
      calls.push({ op: 'listPage', opts: request })
      const from = (request.position?.index as number | undefined) ?? 0
      const items: StreamItem[] = records.slice(from, from + request.want).map((r, i) => ({
        incident: structuredClone(r),
        createdMicros: BigInt(Date.parse(r.created_at)) * 1000n,
        after: { index: from + i + 1 }
      }))
      return { items, exhausted: from + items.length >= records.length, upstreamCalls: 1 }
    },
    async get (nativeId, opts) {
      calls.push({ op: 'get', nativeId, opts })
      return found(nativeId)
    },
    async close (nativeId, request, opts) {
      calls.push({ op: 'close', nativeId, arg: request, opts })
      byId.set(nativeId, { ...found(nativeId), status: 'resolved' })
      return found(nativeId)
    },
    async transactionIncidents (transactionId, opts) {
      calls.push({ op: 'transactionIncidents', arg: transactionId, opts })
      return records.map((r) => structuredClone(r))
    },
    update: refused,
    addNote: refused,
    addLabels: refused,
    history: refused,
    evidence: refused,
    triggers: refused,
    tickets: refused,
    groups: refused,
    health: () => ({ status: 'ok', circuit: 'closed', last_error: null }),
    rateBudget: () => 'local',
    vendorCalls: () => ({ sync_last_hour: 0, interactive_last_hour: 0 }),
    shutdown: async () => {}
  }
  return { adapter, calls }
}

function setup () {
  const alpha = fakeAdapter('alpha', [
    incident('alpha', '5', '2025-06-05T00:00:00.000Z'),
    incident('alpha', '3', '2025-06-03T00:00:00.000Z'),
    incident('alpha', '1', '2025-06-01T00:00:00.000Z')
  ])
  const beta = fakeAdapter('beta', [incident('beta', '4', '2025-06-04T00:00:00.000Z')])
  const adapters = [alpha.adapter, beta.adapter]
  const service = new IncidentService({
    providers: { get: (id) => adapters.find((a) => a.id === id), all: () => adapters },
    codec: new CursorCodec('x'.repeat(32)),
    limits: { default_page_size: 2, request_timeout_ms: 5_000, upstream_calls_per_request: 7 },
    now: () => Date.parse('2025-07-01T00:00:00.000Z')
  })
  const logs: Array<{ level: string, obj: unknown, msg: string }> = []
  const record = (level: string) => (obj: unknown, msg: string) => { logs.push({ level, obj, msg }) }
  const ctx: RequestContext = {
    signal: new AbortController().signal,
    deadline: Date.now() + 5_000,
    requestId: 'req-1',
    log: { info: record('info'), error: record('error') } as unknown as RequestContext['log']
  }
  return { alpha, beta, service, logs, ctx }
}

const everyProvider: Principal = { name: 'all', scopes: new Set(['incidents:read', 'evidence:read']), providers: null }
const alphaOnly: Principal = {
  name: 'alpha-only', scopes: new Set(['incidents:read', 'incidents:write']), providers: new Set(['alpha'])
}

t.test('list: newest first, default page size; the call budget and request id reach the adapters', async (t) => {
  const { alpha, service, logs, ctx } = setup()
  const first = await service.list(everyProvider, { filters: {} }, ctx)
  t.same(first.data.map((i) => i.id), ['alpha:5', 'beta:4'], 'limits.default_page_size applies')
  t.same(first.providers, { alpha: { status: 'ok' }, beta: { status: 'ok' } })
  t.ok(first.nextCursor)
  t.notOk('raw' in first.data[0], 'raw only when asked for')
  const page = alpha.calls.find((c) => c.op === 'listPage')!.opts as PageRequest
  t.equal(page.budget, 7, 'limits.upstream_calls_per_request is the call budget')
  t.equal(page.requestId, 'req-1')
  t.equal(page.signal, ctx.signal)
  t.match(logs, [{ level: 'info', msg: 'listed incidents', obj: { providers: ['alpha', 'beta'], returned: 2 } }])

  const rest = await service.list(everyProvider, { filters: {}, cursor: first.nextCursor!, limit: 10, raw: true }, ctx)
  t.same(rest.data.map((i) => i.id), ['alpha:3', 'alpha:1'])
  t.equal(rest.nextCursor, null, 'the walk is finished')
  t.same(rest.data[0].raw, { id: '3' }, 'include=raw')
})

t.test('a provider the principal may not see is neither listed nor reachable', async (t) => {
  const { beta, service, ctx } = setup()
  const listed = await service.list(alphaOnly, { filters: {} }, ctx)
  t.same(Object.keys(listed.providers), ['alpha'], 'by default only the providers the key may see')
  t.ok(listed.data.every((i) => i.provider === 'alpha'))
  t.ok(listed.data[0].content_withheld, 'no evidence:read: matched content is withheld')

  const named = service.list(alphaOnly, { filters: {}, providers: ['beta'] }, ctx)
  await t.rejects(named, { code: 'forbidden', statusCode: 403 })
  await t.rejects(service.get(alphaOnly, 'beta:4', {}, ctx), { code: 'forbidden' })
  await t.rejects(service.transactionIncidents(alphaOnly, 'beta', 'tx-1', ctx), { code: 'forbidden' })
  await t.rejects(service.close(alphaOnly, 'beta:4', {}, { ...ctx, key: null }), { code: 'forbidden' })
  t.same(beta.calls, [], 'no call reached the provider')
  t.same(service.providerList(alphaOnly).map((p) => p.id), ['alpha'])
  t.same(service.mappings(alphaOnly).map((m) => m.provider), ['alpha'])
  await t.rejects(service.get(alphaOnly, 'gamma:1', {}, ctx), { code: 'not_found' })
  await t.rejects(service.get(alphaOnly, 'alpha:x', {}, ctx), { code: 'validation_failed' })
})

t.test('a write goes through performWrite with the request options and the key\'s tracker', async (t) => {
  const { alpha, service, ctx } = setup()
  const tracker = newTracker()
  const closed = await service.close(alphaOnly, 'alpha:3', { classification: 'false_positive' },
    { ...ctx, key: { tracker } })
  t.equal(closed.status, 'resolved')
  t.ok(closed.content_withheld, 'the answer is the caller\'s view')
  t.equal(tracker.state, 'applied', 'the key\'s tracker saw the write land')
  const call = alpha.calls.find((c) => c.op === 'close')!
  t.equal(call.nativeId, '3')
  t.same(call.arg, { classification: 'false_positive' })
  t.same(call.opts, { signal: ctx.signal, deadline: ctx.deadline, requestId: 'req-1' })

  const refused = await service.addNote(alphaOnly, 'alpha:3', 'hi', { ...ctx, key: null }).catch((e) => e)
  t.equal(refused.code, 'capability_not_supported', 'a refusal passes through')
})

t.test('sub-resources and transactions use the same resolution and options', async (t) => {
  const { alpha, service, ctx } = setup()
  await t.rejects(service.history(everyProvider, 'alpha:1', ctx), { code: 'capability_not_supported' })
  const found = await service.transactionIncidents(everyProvider, 'alpha', 'tx-1', ctx)
  t.equal(found.length, 3)
  t.notOk('raw' in found[0])
  const opts = { signal: ctx.signal, deadline: ctx.deadline, requestId: 'req-1' }
  t.same(alpha.calls.at(-1), { op: 'transactionIncidents', arg: 'tx-1', opts })
})
