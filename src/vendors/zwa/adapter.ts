import { createHash } from 'node:crypto'
import type { ZwaProviderConfigT } from '../../config/schema.ts'
import { GatewayError } from '../../errors/gateway-error.ts'
import { EnumMapper } from '../../mapping/mapper.ts'
import { DEFAULT_TABLES, resolveTables } from '../../mapping/tables.ts'
import { NATIVE_ID_PATTERNS } from '../../schemas/enums.ts'
import type { IncidentT, LabelT } from '../../schemas/incident.ts'
import { nativeFilterCapabilities, type CapabilityValue } from '../../schemas/provider.ts'
import { integerLiteral } from '../../upstream/http/lossless-json.ts'
import { UpstreamClient } from '../../upstream/http/upstream-client.ts'
import { guardSettings } from '../../upstream/resilience/settings.ts'
import { UpstreamGuard } from '../../upstream/resilience/upstream-guard.ts'
import type { AdapterFactoryDeps, CallOptions, CloseRequest, IncidentPatch, ProviderAdapter } from '../../adapters/types.ts'
import { tokenFetcher } from './auth-flows.ts'
import { createCaller } from './caller.ts'
import { walkZwa } from './list-walk.ts'
import { mapZwaIncident } from './map-incident.ts'
import { groupIdsOf, mapEvidence, mapGroups, mapHistory, mapTickets, mapTriggers } from './sub-resources.ts'
import { TokenManager } from './token-manager.ts'
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

// update_severity and update_external_ref are absent: ZWA has no update endpoint.
const CAPABILITIES: CapabilityValue[] = [
  'list', 'get', 'update_status', 'close', 'notes', 'labels', 'history', 'evidence', 'triggers',
  'tickets', 'groups', 'transactions', ...nativeFilterCapabilities(FILTERING)
]

const ID_PATTERN = new RegExp(NATIVE_ID_PATTERNS.zwa)

// Zscaler Workflow Automation DLP incidents adapter (reference: zwa-dlp-incidents-api.md):
// bearer tokens from the API-key or OneAPI flow, snapshot-paged search, close/notes/labels writes.
export function createZwaAdapter (config: ZwaProviderConfigT, deps: AdapterFactoryDeps = {}): ProviderAdapter {
  const id = config.id
  const now = deps.now ?? Date.now
  const tables = resolveTables('zwa', config.mapping)
  // Writes prefer the documented native value when an override adds an alias for the same one.
  const mapper = new EnumMapper(tables, DEFAULT_TABLES.zwa)
  const clientOptions = { providerId: id, timeouts: config.timeouts, maxConnections: config.max_connections, dispatcher: deps.dispatcher }
  const client = new UpstreamClient({ ...clientOptions, baseUrl: config.base_url })
  // OneAPI tokens come from ZIdentity, another host: its own small pool.
  const tokenClient = config.auth.mode === 'oneapi' ? new UpstreamClient({ ...clientOptions, baseUrl: config.auth.token_url, maxConnections: 2 }) : client
  const secrets = config.auth.mode === 'api_key' ? [config.auth.key_secret] : [config.auth.client_secret]
  // Retries, breaker, rate budgets (light, medium, token), concurrency cap, coalescing.
  const guard = new UpstreamGuard(guardSettings(config.resilience, config.max_connections), {
    providerId: id, now, random: deps.random, metrics: deps.metrics, logger: deps.logger, requestTimeoutMs: deps.requestTimeoutMs
  })
  const fetchToken = tokenFetcher(config.auth, {
    providerId: id,
    client: tokenClient,
    now,
    secrets,
    // The shared token request: token budget and concurrency cap, but no caller's deadline. Its
    // failures reach the incident call that needed the token, which retries or reports them.
    send: (req) => guard.exchange('token', undefined, (signal) => tokenClient.request({ ...req, signal })),
    capHint: (seconds) => guard.capHint(seconds)
  })
  const tokens = new TokenManager({
    providerId: id,
    now,
    shared: deps.sharedStore,
    // One token per credential and upstream; the key holds no secret.
    sharedKey: `zwa-token:${createHash('sha256').update(`${id}\n${config.base_url}\n${config.auth.mode === 'api_key' ? config.auth.key_id : config.auth.client_id}`).digest('hex')}`,
    // Logs say that a token was issued and for how long, never the token or the secret.
    fetchToken: async () => {
      const issued = await fetchToken()
      deps.logger?.debug({ provider: id, auth: config.auth.mode, expiresIn: issued.expiresInSeconds }, 'upstream token issued')
      return issued
    }
  })
  const prefix = config.path_prefix.replace(/\/+$/, '')
  const call = createCaller({ providerId: id, client, tokens, guard, prefix, now, secrets })
  const baseUrl = withoutCredentials(config.base_url)

  // Routes validate ids first; this is the last line before an id reaches a vendor URL.
  const checkedId = (value: string, what: string): string => {
    if (typeof value !== 'string' || !ID_PATTERN.test(value)) {
      throw new GatewayError('validation_failed', `'${String(value).slice(0, 80)}' is not a ZWA ${what} (letters, digits and '-', at most 64).`, { provider: id })
    }
    return encodeURIComponent(value)
  }
  const incidentPath = (nativeId: string, sub = '') => `${prefix}/incidents/${checkedId(nativeId, 'incident id')}${sub}`
  const mapOne = (body: unknown): IncidentT => mapZwaIncident(body, id, mapper).incident

  // async, so a refused id is a rejected promise like every other failure.
  async function read<T> (nativeId: string, sub: string, opts: CallOptions | undefined, parse: (body: unknown) => T, query?: Record<string, string | string[]>): Promise<T> {
    return call({ method: 'GET', path: incidentPath(nativeId, sub), query }, opts ?? {}, parse)
  }

  async function write (nativeId: string, sub: string, body: unknown, opts?: CallOptions): Promise<IncidentT> {
    return call({ method: 'POST', path: incidentPath(nativeId, sub), body }, opts ?? {}, mapOne)
  }

  async function close (nativeId: string, request: CloseRequest, opts?: CallOptions): Promise<IncidentT> {
    incidentPath(nativeId) // a malformed id is refused before the classification is looked at
    return write(nativeId, '/close', closeBody(id, request, mapper), opts)
  }

  return {
    id,
    type: 'zwa',
    baseUrl,
    capabilities: new Set(CAPABILITIES),
    filtering: FILTERING,
    tables,
    isValidNativeId: (nativeId) => ID_PATTERN.test(nativeId),
    listPage: (request) => walkZwa(request, { providerId: id, prefix, call, mapper }),
    // Mapped after the exchange: a record the gateway cannot place is a data error, not a health failure.
    get: async (nativeId, opts) => mapOne(await read(nativeId, '', opts, (body) => body)),
    async update (nativeId: string, patch: IncidentPatch, opts?: CallOptions) {
      incidentPath(nativeId)
      const plan = planUpdate(id, patch)
      return plan.close ? close(nativeId, {}, opts) : read(nativeId, '', opts, mapOne)
    },
    close,
    addNote: (nativeId: string, text: string, opts?: CallOptions) => write(nativeId, '/notes', { notes: text }, opts),
    addLabels: (nativeId: string, labels: LabelT[], opts?: CallOptions) =>
      write(nativeId, '/labels', { labels: labels.map((l) => ({ key: l.key, value: l.value })) }, opts),
    history: (nativeId, opts) => read(nativeId, '/change-history', opts, (body) => mapHistory(id, body)),
    evidence: (nativeId, opts) => read(nativeId, '/evidence', opts, (body) => mapEvidence(id, body)),
    triggers: (nativeId, opts) => read(nativeId, '/triggers', opts, (body) => mapTriggers(id, body), { fetchTriggerContext: 'true' }),
    tickets: (nativeId, opts) => read(nativeId, '/tickets', opts, (body) => mapTickets(id, body)),
    async groups (nativeId, opts) {
      // The search needs the incident's own group ids: read just those two fields of its details.
      const ids = await read(nativeId, '', opts, groupIdsOf, { fields: ['incidentGroupIds', 'incidentGroups'] })
      // An empty list is ambiguous upstream (reference §6 #6: all groups or none), so it is not sent.
      if (ids.length === 0) return []
      const body = { incidentGroupIds: ids.map(integerLiteral) } // exact JSON integers beyond 2^53
      return call({ method: 'POST', path: incidentPath(nativeId, '/incident-groups/search'), body }, opts ?? {}, (res) => mapGroups(id, res))
    },
    async transactionIncidents (transactionId, opts) {
      return call({ method: 'GET', path: `${prefix}/incidents/transactions/${checkedId(transactionId, 'transaction id')}` }, opts ?? {}, (body) => {
        const incidents = (body as { incidents?: unknown } | null)?.incidents
        if (!Array.isArray(incidents)) {
          throw new GatewayError('upstream_error', `Provider '${id}' sent a transaction response without an incidents list.`, { provider: id })
        }
        return incidents.map(mapOne)
      })
    },
    health: () => guard.health(),
    async shutdown () {
      guard.close()
      await client.close()
      if (tokenClient !== client) await tokenClient.close()
    }
  }
}

function withoutCredentials (url: string): string {
  const u = new URL(url)
  u.username = ''
  u.password = ''
  return u.toString().replace(/\/$/, '')
}
