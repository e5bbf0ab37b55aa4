import type { CloudlockProviderConfigT } from '../../config/schema.ts'
import { GatewayError, unsupportedValue } from '../../errors/gateway-error.ts'
import { EnumMapper } from '../../mapping/mapper.ts'
import { DEFAULT_TABLES, resolveTables } from '../../mapping/tables.ts'
import { microsToCloudlock } from '../../mapping/timestamps.ts'
import { NATIVE_ID_PATTERNS } from '../../schemas/enums.ts'
import type { IncidentT } from '../../schemas/incident.ts'
import type { CapabilityValue } from '../../schemas/provider.ts'
import { UpstreamClient, type UpstreamRequest } from '../http/upstream-client.ts'
import { retryAfterSeconds, translateStatus, vendorMessage } from '../http/upstream-errors.ts'
import { refuse } from '../unsupported.ts'
import { requestKey } from '../../resilience/coalescer.ts'
import { guardSettings } from '../../resilience/settings.ts'
import { UpstreamGuard } from '../../resilience/upstream-guard.ts'
import type { AdapterFactoryDeps, CallOptions, CloseRequest, IncidentPatch, ListPage, PageRequest, ProviderAdapter, StreamItem } from '../types.ts'
import { mapCloudlockIncident, singleRecord, type MappedCloudlock } from './map-incident.ts'
import { advance, planCloudlockList, readPosition } from './list-query.ts'
import { scrub } from '../values.ts'

const MAX_PAGE = 100 // the vendor's documented maximum `limit`
const MAX_SCAN_PAGES = 10 // per call, when the gateway filters: bounds the cost of a selective filter

const CAPABILITIES: CapabilityValue[] = [
  'list', 'get', 'update_status', 'update_severity', 'update_external_ref', 'close',
  'filter_severity', 'filter_status', 'filter_created', 'filter_updated'
]

const ID_PATTERN = new RegExp(NATIVE_ID_PATTERNS.cloudlock)

// Cisco Cloudlock v2 adapter (reference: cloudlock-incidents-api.md): static bearer token,
// limit/offset lists, PUT updates of incident_status/severity/customer_key.
export function createCloudlockAdapter (config: CloudlockProviderConfigT, deps: AdapterFactoryDeps = {}): ProviderAdapter {
  const tables = resolveTables('cloudlock', config.mapping)
  // Writes prefer the documented native value when an override adds an alias for the same one.
  const mapper = new EnumMapper(tables, DEFAULT_TABLES.cloudlock)
  const now = deps.now ?? Date.now
  const client = new UpstreamClient({
    providerId: config.id,
    baseUrl: config.base_url,
    timeouts: config.timeouts,
    maxConnections: config.max_connections,
    dispatcher: deps.dispatcher
  })
  const id = config.id
  // Retries, breaker, rate budget, concurrency cap and coalescing (src/resilience).
  const guard = new UpstreamGuard(guardSettings(config.resilience, config.max_connections), {
    providerId: id, now, random: deps.random, metrics: deps.metrics, logger: deps.logger, requestTimeoutMs: deps.requestTimeoutMs
  })

  // A vendor error text is echoed into problem details: never let it carry the token back.

  // One upstream call whose 2xx body must be JSON that `read` understands, through the guard.
  // Health and the breaker see the outcome of the whole exchange, so a 200 with a broken body
  // counts as the failure it is. Reads (GET) may be retried and coalesced; a PUT never is.
  async function call<T> (req: UpstreamRequest, opts: CallOptions, read: (body: unknown) => T): Promise<T> {
    const headers: Record<string, string> = { authorization: `Bearer ${config.token}`, 'user-agent': 'dlp-incident-gateway/1' }
    if (opts.requestId) headers['x-request-id'] = opts.requestId
    const idempotent = req.method === 'GET'
    const operation = req.method === 'PUT' ? 'update' : req.path === '/incidents' ? 'list' : 'get'
    const spec = { operation, cls: 'default', idempotent, key: idempotent && !opts.fresh ? requestKey(req.method, req.path, req.query, req.body) : undefined }
    return guard.run(spec, { signal: req.signal ?? opts.signal, deadline: opts.deadline }, async (attempt) => {
      const res = await attempt.exchange('default', (signal) => client.request({ ...req, headers: { ...headers, ...req.headers }, signal }))
      if (res.status < 200 || res.status >= 300) {
        throw translateStatus(id, res.status, scrub(vendorMessage(res.text, res.json, 'message'), [config.token]), guard.capHint(retryAfterSeconds(res.headers, now())))
      }
      return read(client.expectJson(res))
    })
  }

  // Routes validate ids first; this is the last line before an id reaches a vendor URL.
  const incidentPath = (nativeId: string) => {
    if (!ID_PATTERN.test(nativeId)) {
      throw new GatewayError('validation_failed', `'${String(nativeId).slice(0, 80)}' is not a Cloudlock incident id (digits only, at most 20).`, { provider: id })
    }
    return `/incidents/${encodeURIComponent(nativeId)}`
  }

  const mapOne = (body: unknown): IncidentT => mapCloudlockIncident(singleRecord(body), id, mapper).incident

  // A list answer: the `items` array, every record mapped (a record the gateway cannot read fails
  // the page rather than vanish from it).
  const readPage = (body: unknown): Array<{ raw: Record<string, unknown>, mapped: MappedCloudlock }> => {
    const items = (body as { items?: unknown } | null)?.items
    if (!Array.isArray(items)) throw new GatewayError('upstream_error', `Provider '${id}' sent a list response without an items array.`, { provider: id })
    return items.map((raw) => ({ raw: raw as Record<string, unknown>, mapped: mapCloudlockIncident(raw, id, mapper) }))
  }

  async function listPage (request: PageRequest): Promise<ListPage> {
    const plan = planCloudlockList(request.filters, request.pinnedAt, mapper)
    if (plan.empty) return { items: [], exhausted: true, upstreamCalls: 0 }
    let pos = readPosition(request.position)
    // Items at or before the position's timestamp, skipping those already consumed there.
    const before = pos ? BigInt(pos.b) + 1n : plan.upperMicros
    const createdBefore = microsToCloudlock(before < plan.upperMicros ? before : plan.upperMicros)
    let offset = pos && BigInt(pos.b) + 1n <= plan.upperMicros ? pos.s : 0
    const items: StreamItem[] = []
    let calls = 0
    let exhausted = false
    let scanned = 0

    // Unfiltered, one call normally suffices; a second covers a vendor that clamps `limit` lower.
    const maxCalls = plan.keep ? MAX_SCAN_PAGES : 2
    while (items.length < request.want && calls < maxCalls) {
      // One extra item tells whether anything follows, at no extra call.
      const limit = plan.keep ? MAX_PAGE : Math.min(MAX_PAGE, request.want - items.length + 1)
      const page = await call({
        method: 'GET',
        path: '/incidents',
        query: { ...plan.params, created_before: createdBefore, limit: String(limit), offset: String(offset) },
        signal: request.signal
      }, { deadline: request.deadline, requestId: request.requestId }, readPage)
      calls++
      let consumedAll = true
      for (const { raw, mapped } of page) {
        if (items.length === request.want) {
          consumedAll = false
          break
        }
        pos = advance(pos, mapped.createdMicros)
        scanned++
        if (!plan.keep || plan.keep(raw)) {
          items.push({ incident: mapped.incident, createdMicros: mapped.createdMicros, after: { ...pos } })
        }
      }
      if (page.length < limit && consumedAll) {
        exhausted = true
        break
      }
      if (!consumedAll) break
      offset += page.length
      if (!plan.keep && items.length >= request.want) break
    }
    return { items, exhausted, upstreamCalls: calls, scannedTo: scanned > 0 && pos ? { ...pos } : undefined }
  }

  async function update (nativeId: string, patch: IncidentPatch, opts: CallOptions = {}): Promise<IncidentT> {
    const path = incidentPath(nativeId)
    const body: Record<string, string> = {}
    if (patch.status !== undefined) {
      const native = mapper.nativeFor('status', patch.status)
      if (!native) throw unsupportedValue(id, `Provider '${id}' has no status '${patch.status}'.`)
      body.incident_status = native
    }
    if (patch.severity !== undefined) {
      const native = mapper.nativeFor('severity', patch.severity)
      if (!native) throw unsupportedValue(id, `Provider '${id}' has no severity '${patch.severity}'.`)
      body.severity = native
    }
    if (patch.external_ref !== undefined) body.customer_key = patch.external_ref ?? ''
    // Nothing to change: the vendor refuses an empty PUT, so answer with the current state.
    if (Object.keys(body).length === 0) return call({ method: 'GET', path }, opts, mapOne)
    return call({ method: 'PUT', path, body }, opts, mapOne)
  }

  return {
    id,
    type: 'cloudlock',
    baseUrl: config.base_url,
    capabilities: new Set(CAPABILITIES),
    tables,
    isValidNativeId: (nativeId) => ID_PATTERN.test(nativeId),
    listPage,
    async get (nativeId, opts = {}) {
      return call({ method: 'GET', path: incidentPath(nativeId) }, opts, mapOne)
    },
    update,
    async close (nativeId, request: CloseRequest, opts) {
      // Cloudlock stores neither notes nor labels, and no classification but the one DISMISSED
      // stands for (spec section 4): refuse rather than drop them.
      if (request.notes !== undefined) return refuse(id, 'notes')
      if (request.label !== undefined) return refuse(id, 'labels')
      const { classification } = request
      if (classification !== undefined && classification !== 'false_positive') {
        throw unsupportedValue(id, `Provider '${id}' (Cloudlock) cannot store classification '${classification}': it records ` +
          "only 'false_positive' (as DISMISSED); close without a classification to resolve.")
      }
      return update(nativeId, { status: classification === 'false_positive' ? 'dismissed' : 'resolved' }, opts)
    },
    addNote: () => refuse(id, 'notes'),
    addLabels: () => refuse(id, 'labels'),
    history: () => refuse(id, 'history'),
    evidence: () => refuse(id, 'evidence'),
    triggers: () => refuse(id, 'triggers'),
    tickets: () => refuse(id, 'tickets'),
    groups: () => refuse(id, 'groups'),
    transactionIncidents: () => refuse(id, 'transactions'),
    health: () => guard.health(),
    async shutdown () {
      guard.close()
      await client.close()
    }
  }
}
