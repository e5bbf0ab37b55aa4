import type { CloudlockProviderConfigT } from '../../config/schema.ts'
import { GatewayError, unsupportedValue } from '../../errors/gateway-error.ts'
import { EnumMapper } from '../../mapping/mapper.ts'
import { DEFAULT_TABLES, resolveTables } from '../../mapping/tables.ts'
import { NATIVE_ID_PATTERNS, type ClassificationValue, type StatusValue } from '../../schemas/enums.ts'
import type { IncidentT } from '../../schemas/incident.ts'
import { nativeFilterCapabilities, type CapabilityValue } from '../../schemas/provider.ts'
import { UpstreamClient, type UpstreamRequest } from '../../upstream/http/upstream-client.ts'
import { retryAfterSeconds, translateStatus, vendorMessage } from '../../upstream/http/upstream-errors.ts'
import { refuse } from '../../adapters/unsupported.ts'
import { requestKey } from '../../upstream/resilience/coalescer.ts'
import { guardSettings } from '../../upstream/resilience/settings.ts'
import { UpstreamGuard } from '../../upstream/resilience/upstream-guard.ts'
import type { AdapterFactoryDeps, CallOptions, CloseRequest, IncidentPatch, ProviderAdapter } from '../../adapters/types.ts'
import { mapCloudlockIncident, singleRecord } from './map-incident.ts'
import { walkCloudlock, type CloudlockListCall } from './list-walk.ts'
import { scrub } from '../../adapters/values.ts'

// A single severity or status goes in the vendor query; several are filtered by the gateway
// (Cloudlock takes one value per filter). Cloudlock incidents have no priority and no labels.
const FILTERING = {
  severity: 'native',
  status: 'native',
  created: 'native',
  updated: 'native',
  priority: 'none',
  external_ref: 'native',
  label: 'none',
  policy_id: 'native'
} as const

const CAPABILITIES: CapabilityValue[] = [
  'list', 'get', 'update_status', 'update_severity', 'update_external_ref', 'close',
  ...nativeFilterCapabilities(FILTERING)
]

const ID_PATTERN = new RegExp(NATIVE_ID_PATTERNS.cloudlock)

// What a close leaves at Cloudlock, which has no resolution field: a false positive is DISMISSED,
// anything else RESOLVED (the write-outcome read-back judges a close by the same rule).
export const cloudlockClosedStatus = (classification: ClassificationValue | undefined): StatusValue =>
  classification === 'false_positive' ? 'dismissed' : 'resolved'

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
  // Retries, breaker, rate budget, concurrency cap and coalescing (src/upstream/resilience).
  const guard = new UpstreamGuard(guardSettings(config.resilience, config.max_connections), {
    providerId: id, now, random: deps.random, metrics: deps.metrics, logger: deps.logger, requestTimeoutMs: deps.requestTimeoutMs
  })

  // A vendor error text is echoed into problem details: never let it carry the token back.

  // One upstream call whose 2xx body must be JSON that `read` understands, through the guard.
  // Health and the breaker see the outcome of the whole exchange, so a 200 with a broken body
  // counts as the failure it is. Reads (GET) may be retried and coalesced; a PUT never is.
  // `sent` hears of every request actually made (retries included), so a walk counts its calls exactly.
  async function call<T> (req: UpstreamRequest, opts: CallOptions, read: (body: unknown) => T, sent?: () => void): Promise<T> {
    const headers: Record<string, string> = { authorization: `Bearer ${config.token}`, 'user-agent': 'dlp-incident-gateway/1' }
    if (opts.requestId) headers['x-request-id'] = opts.requestId
    const idempotent = req.method === 'GET'
    const operation = req.method === 'PUT' ? 'update' : req.path === '/incidents' ? 'list' : 'get'
    const spec = { operation, cls: 'default', idempotent, key: idempotent && !opts.fresh ? requestKey(req.method, req.path, req.query, req.body) : undefined }
    return guard.run(spec, { signal: req.signal ?? opts.signal, deadline: opts.deadline }, async (attempt) => {
      const res = await attempt.exchange('default', (signal) => {
        sent?.()
        return client.request({ ...req, headers: { ...headers, ...req.headers }, signal })
      })
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

  const asIs = (body: unknown): unknown => body
  const mapOne = (body: unknown): IncidentT => mapCloudlockIncident(singleRecord(body), id, mapper).incident

  // A list answer: the raw `items` array. Records are mapped after the exchange (list-walk.ts),
  // so one the gateway cannot read is a data error of the page, not a health failure.
  const listItems = (body: unknown): unknown[] => {
    const items = (body as { items?: unknown } | null)?.items
    if (!Array.isArray(items)) throw new GatewayError('upstream_error', `Provider '${id}' sent a list response without an items array.`, { provider: id })
    return items
  }
  const list: CloudlockListCall = (query, request, sent) =>
    call({ method: 'GET', path: '/incidents', query, signal: request.signal }, { deadline: request.deadline, requestId: request.requestId }, listItems, sent)

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
    filtering: FILTERING,
    tables,
    isValidNativeId: (nativeId) => ID_PATTERN.test(nativeId),
    listPage: (request) => walkCloudlock(request, id, mapper, list),
    async get (nativeId, opts = {}) {
      // Mapped after the exchange: a record the gateway cannot place is a data error, not a health failure.
      return mapOne(await call({ method: 'GET', path: incidentPath(nativeId) }, opts, asIs))
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
      return update(nativeId, { status: cloudlockClosedStatus(classification) }, opts)
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
