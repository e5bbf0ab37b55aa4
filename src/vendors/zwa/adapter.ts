import type { ZwaProviderConfigT } from '../../config/schema.ts'
import { GatewayError } from '../../errors/gateway-error.ts'
import { EnumMapper } from '../../mapping/mapper.ts'
import { DEFAULT_TABLES, resolveTables } from '../../mapping/tables.ts'
import { NATIVE_ID_PATTERNS } from '../../schemas/enums.ts'
import type { IncidentT, LabelT } from '../../schemas/incident.ts'
import { completeAdapter } from '../../adapters/complete-adapter.ts'
import type {
  AdapterFactoryDeps, CallOptions, CloseRequest, IncidentPatch, ProviderAdapter
} from '../../adapters/types.ts'
import { createPipeline } from '../../upstream/create-pipeline.ts'
import { integerLiteral } from '../../upstream/http/lossless-json.ts'
import type { Operation } from '../../upstream/operation.ts'
import { walkZwa } from './list-walk.ts'
import { mapZwaIncident } from './map-incident.ts'
import { ZWA_OPERATIONS as OPS } from './operations.ts'
import { groupIdsOf, mapEvidence, mapGroups, mapHistory, mapTickets, mapTriggers } from './sub-resources.ts'
import { zwaAuthenticator } from './token-authenticator.ts'
import { closeBody, planUpdate } from './writes.ts'

// Labels are sent natively and checked again by the gateway (exact key and value). ZWA has no
// lastUpdatedAt search field (updated_* are filtered by the gateway), no external reference and no
// policy id.
const FILTERING = {
  severity: 'native',
  status: 'native',
  created: 'native',
  updated: 'gateway',
  priority: 'native',
  external_ref: 'none',
  label: 'native',
  policy_id: 'none'
} as const

const ID_PATTERN = new RegExp(NATIVE_ID_PATTERNS.zwa)

// Zscaler Workflow Automation DLP incidents adapter (reference: zwa-dlp-incidents-api.md): its
// operation table (operations.ts), its mappers, and bearer tokens from the API-key or OneAPI flow.
// Every record is mapped after its exchange: a record the gateway cannot place is a data error,
// not a health failure (test/vendors/zwa-data-errors.test.ts).
export function createZwaAdapter (config: ZwaProviderConfigT, deps: AdapterFactoryDeps = {}): ProviderAdapter {
  const id = config.id
  const tables = resolveTables('zwa', config.mapping)
  // Writes prefer the documented native value when an override adds an alias for the same one.
  const mapper = new EnumMapper(tables, DEFAULT_TABLES.zwa)
  let closeAuth = async () => {}
  const { pipeline, transport } = createPipeline({
    providerId: id,
    providerType: 'zwa',
    baseUrl: config.base_url,
    pathPrefix: config.path_prefix,
    timeouts: config.timeouts,
    maxConnections: config.max_connections,
    resilience: config.resilience,
    errorMessageKey: 'internalMessage',
    tenant: `${config.base_url}\n${config.auth.mode === 'api_key' ? config.auth.key_id : config.auth.client_id}`,
    syncShare: config.sync?.budget_share,
    authenticator: (p, api) => {
      const auth = zwaAuthenticator(config, p, api, deps)
      closeAuth = auth.close
      return auth
    }
  }, deps)

  // Routes validate ids first; this is the last line before an id reaches a vendor URL.
  const checked = (value: string, what: string): string => {
    if (typeof value !== 'string' || !ID_PATTERN.test(value)) {
      throw new GatewayError('validation_failed',
        `'${String(value).slice(0, 80)}' is not a ZWA ${what} (letters, digits and '-', at most 64).`, { provider: id })
    }
    return value
  }
  const mapOne = (body: unknown): IncidentT => mapZwaIncident(body, id, mapper).incident

  // One call about one incident. async, so a refused id is a rejected promise like every other failure.
  async function about<T> (
    op: Operation<T>, nativeId: string, opts: CallOptions | undefined,
    extra: { body?: unknown, query?: Record<string, string | string[]> } = {}
  ): Promise<T> {
    return pipeline.call(op, { params: { id: checked(nativeId, 'incident id') }, ...extra }, opts ?? {})
  }

  async function close (nativeId: string, request: CloseRequest, opts?: CallOptions): Promise<IncidentT> {
    checked(nativeId, 'incident id') // a malformed id is refused before the classification is looked at
    return mapOne(await about(OPS.close, nativeId, opts, { body: closeBody(id, request, mapper) }))
  }

  return completeAdapter({
    id,
    type: 'zwa',
    baseUrl: withoutCredentials(config.base_url),
    filtering: FILTERING,
    tables,
    isValidNativeId: (nativeId) => ID_PATTERN.test(nativeId),
    listPage: (request) => walkZwa(request,
      { providerId: id, mapper, search: (input, opts) => pipeline.call(OPS.search, input, opts) }),
    get: async (nativeId, opts) => mapOne(await about(OPS.details, nativeId, opts)),
    async update (nativeId: string, patch: IncidentPatch, opts?: CallOptions) {
      checked(nativeId, 'incident id')
      const plan = planUpdate(id, patch)
      return plan.close ? close(nativeId, {}, opts) : mapOne(await about(OPS.details, nativeId, opts))
    },
    close,
    addNote: async (nativeId: string, text: string, opts?: CallOptions) =>
      mapOne(await about(OPS.notes, nativeId, opts, { body: { notes: text } })),
    addLabels: async (nativeId: string, labels: LabelT[], opts?: CallOptions) =>
      mapOne(await about(OPS.labels, nativeId, opts,
        { body: { labels: labels.map((l) => ({ key: l.key, value: l.value })) } })),
    history: async (nativeId, opts) => mapHistory(id, await about(OPS.changeHistory, nativeId, opts)),
    evidence: async (nativeId, opts) => mapEvidence(id, await about(OPS.evidence, nativeId, opts)),
    triggers: async (nativeId, opts) =>
      mapTriggers(id, await about(OPS.triggers, nativeId, opts, { query: { fetchTriggerContext: 'true' } })),
    tickets: async (nativeId, opts) => mapTickets(id, await about(OPS.tickets, nativeId, opts)),
    async groups (nativeId, opts) {
      // The search needs the incident's own group ids: read just those two fields of its details.
      const ids = groupIdsOf(await about(OPS.details, nativeId, opts,
        { query: { fields: ['incidentGroupIds', 'incidentGroups'] } }))
      // An empty list is ambiguous upstream (reference §6 #6: all groups or none), so it is not sent.
      if (ids.length === 0) return []
      const body = { incidentGroupIds: ids.map(integerLiteral) } // exact JSON integers beyond 2^53
      return mapGroups(id, await about(OPS.groupSearch, nativeId, opts, { body }))
    },
    async transactionIncidents (transactionId, opts) {
      const incidents = await pipeline.call(OPS.transactions,
        { params: { id: checked(transactionId, 'transaction id') } }, opts ?? {})
      return incidents.map(mapOne)
    },
    health: () => pipeline.health(),
    rateBudget: () => pipeline.budgetMode(),
    vendorCalls: () => pipeline.vendorCalls(),
    async shutdown () {
      await pipeline.close()
      await transport.close()
      await closeAuth()
    }
  }, OPS)
}

function withoutCredentials (url: string): string {
  const u = new URL(url)
  u.username = ''
  u.password = ''
  return u.toString().replace(/\/$/, '')
}
