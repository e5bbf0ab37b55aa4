import type { CloudlockProviderConfigT } from '../../config/schema.ts'
import { capabilityNotSupported, GatewayError, unsupportedValue } from '../../errors/gateway-error.ts'
import { EnumMapper } from '../../mapping/mapper.ts'
import { DEFAULT_TABLES, resolveTables } from '../../mapping/tables.ts'
import { NATIVE_ID_PATTERNS, type ClassificationValue, type StatusValue } from '../../schemas/enums.ts'
import type { IncidentT } from '../../schemas/incident.ts'
import { completeAdapter } from '../../adapters/complete-adapter.ts'
import type {
  AdapterFactoryDeps, CallOptions, CloseRequest, IncidentPatch, ProviderAdapter
} from '../../adapters/types.ts'
import { staticBearer } from '../../upstream/authenticator.ts'
import { createPipeline } from '../../upstream/create-pipeline.ts'
import { mapCloudlockIncident } from './map-incident.ts'
import { walkCloudlock } from './list-walk.ts'
import { CLOUDLOCK_OPERATIONS as OPS } from './operations.ts'

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

const ID_PATTERN = new RegExp(NATIVE_ID_PATTERNS.cloudlock)

// What a close leaves at Cloudlock, which has no resolution field: a false positive is DISMISSED,
// anything else RESOLVED (the write-outcome read-back judges a close by the same rule).
export const cloudlockClosedStatus = (classification: ClassificationValue | undefined): StatusValue =>
  classification === 'false_positive' ? 'dismissed' : 'resolved'

// Cisco Cloudlock v2 adapter (reference: cloudlock-incidents-api.md): its operation table
// (operations.ts), its mappers, a static bearer token. Records are mapped after the exchange, so one
// the gateway cannot place is a data error, not a health failure (test/adapters/cloudlock/errors.test.ts,
// test/adapters/mapping-errors.test.ts).
export function createCloudlockAdapter (
  config: CloudlockProviderConfigT, deps: AdapterFactoryDeps = {}
): ProviderAdapter {
  const id = config.id
  const tables = resolveTables('cloudlock', config.mapping)
  // Writes prefer the documented native value when an override adds an alias for the same one.
  const mapper = new EnumMapper(tables, DEFAULT_TABLES.cloudlock)
  const { pipeline, transport } = createPipeline({
    providerId: id,
    providerType: 'cloudlock',
    baseUrl: config.base_url,
    timeouts: config.timeouts,
    maxConnections: config.max_connections,
    resilience: config.resilience,
    errorMessageKey: 'message',
    tenant: `${config.base_url}\n${config.token}`,
    syncShare: config.sync?.budget_share,
    authenticator: () => staticBearer(config.token)
  }, deps)

  // Routes validate ids first; this is the last line before an id reaches a vendor URL.
  const params = (nativeId: string) => {
    if (!ID_PATTERN.test(nativeId)) {
      throw new GatewayError('validation_failed',
        `'${String(nativeId).slice(0, 80)}' is not a Cloudlock incident id (digits only, at most 20).`,
        { provider: id })
    }
    return { id: nativeId }
  }
  const mapOne = (record: unknown): IncidentT => mapCloudlockIncident(record, id, mapper).incident
  const get = async (nativeId: string, opts: CallOptions = {}) =>
    mapOne(await pipeline.call(OPS.get, { params: params(nativeId) }, opts))

  async function update (nativeId: string, patch: IncidentPatch, opts: CallOptions = {}): Promise<IncidentT> {
    const where = params(nativeId)
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
    if (Object.keys(body).length === 0) return get(nativeId, opts)
    return mapOne(await pipeline.call(OPS.update, { params: where, body }, opts))
  }

  return completeAdapter({
    id,
    type: 'cloudlock',
    baseUrl: config.base_url,
    filtering: FILTERING,
    tables,
    isValidNativeId: (nativeId) => ID_PATTERN.test(nativeId),
    listPage: (request) => walkCloudlock(request, id, mapper, (query, req, sent) =>
      pipeline.call(OPS.list, { query, signal: req.signal, onSend: sent },
        { deadline: req.deadline, requestId: req.requestId, purpose: req.purpose })),
    get,
    update,
    async close (nativeId, request: CloseRequest, opts) {
      // Cloudlock stores neither notes nor labels, and no classification but the one DISMISSED
      // stands for (spec section 4): refuse rather than drop them.
      if (request.notes !== undefined) throw capabilityNotSupported(id, 'notes')
      if (request.label !== undefined) throw capabilityNotSupported(id, 'labels')
      const { classification } = request
      if (classification !== undefined && classification !== 'false_positive') {
        throw unsupportedValue(id,
          `Provider '${id}' (Cloudlock) cannot store classification '${classification}': it records ` +
          "only 'false_positive' (as DISMISSED); close without a classification to resolve.")
      }
      return update(nativeId, { status: cloudlockClosedStatus(classification) }, opts)
    },
    health: () => pipeline.health(),
    rateBudget: () => pipeline.budgetMode(),
    vendorCalls: () => pipeline.vendorCalls(),
    async shutdown () {
      await pipeline.close()
      await transport.close()
    }
  }, OPS)
}
