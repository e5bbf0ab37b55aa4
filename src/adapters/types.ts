import type { IncidentT, LabelT } from '../schemas/incident.ts'
import type { ClassificationValue, PriorityValue, ProviderTypeValue, SeverityValue, StatusValue } from '../schemas/enums.ts'
import type { CapabilityValue, FilterSupport, ListFilterName } from '../schemas/provider.ts'
import type { MappingTables } from '../mapping/tables.ts'

// The one contract every vendor adapter implements. Routes and the merge see only this.

export interface ListFilters {
  severity?: SeverityValue[]
  status?: StatusValue[]
  createdAfter?: string // RFC 3339, inclusive
  createdBefore?: string // RFC 3339, exclusive
  updatedAfter?: string // inclusive
  updatedBefore?: string // exclusive
  priority?: PriorityValue[]
  externalRef?: string // exact
  label?: LabelT // exact key and value
  policyId?: string // exact
}

// A native resume position: JSON-serializable, opaque to everything but its adapter.
export type NativePosition = Record<string, unknown>

export interface PageRequest {
  filters: ListFilters
  position: NativePosition | null // null: the start of the walk
  pinnedAt: string // upper created_at bound of the whole walk (RFC 3339), so arrivals do not shift it
  want: number // how many incidents the caller wants (1..100); a page may hand on more (every complete group read)
  budget?: number // vendor list requests (retries included) after which no new call starts; default 10
  signal?: AbortSignal // the gateway request's deadline
  deadline?: number // epoch ms of that deadline, when known (else estimated from limits.request_timeout_ms)
  requestId?: string // forwarded upstream as X-Request-Id
}

export interface StreamItem {
  incident: IncidentT
  createdMicros: bigint // created_at at the vendor's full precision, the merge key
  after: NativePosition // position just after this item
}

export interface ListPage {
  items: StreamItem[] // stream order (src/adapters/stream-order.ts): newest first, ties by native id descending
  exhausted: boolean // true only when the vendor said nothing follows (an empty page or a reliable total)
  scannedTo?: NativePosition // position after everything examined, when the gateway filtered past the last item
  upstreamCalls: number
  // A transient failure (rate limit, timeout, open circuit) after some progress: what was read up
  // to scannedTo is exact and kept, and the walk resumes there.
  interrupted?: unknown
}

export interface IncidentPatch {
  status?: StatusValue
  severity?: SeverityValue
  external_ref?: string | null
}

export interface CloseRequest {
  classification?: ClassificationValue
  notes?: string
  label?: LabelT
}

export interface HistoryEntry {
  type: string
  at: string | null
  actor: string | null
  before: string | null
  after: string | null
  comment: string | null
}

export interface CallOptions {
  signal?: AbortSignal // the gateway request's deadline
  deadline?: number // epoch ms of that deadline, when known
  requestId?: string
  fresh?: boolean // never share a coalesced read: a write's read-back must see the vendor's state now
}

export interface AdapterHealth {
  status: 'ok' | 'degraded' | 'unavailable' | 'unknown'
  circuit: 'closed' | 'open' | 'half_open'
  last_error: { code: string, detail: string, at: string } | null
}

export interface ProviderAdapter {
  readonly id: string
  readonly type: ProviderTypeValue
  readonly baseUrl: string // without credentials
  readonly capabilities: ReadonlySet<CapabilityValue>
  // How each list filter is applied (GET /v1/providers `filtering`): in the vendor query, by the
  // gateway over what it fetches, or not at all (no such field: it matches none of its incidents).
  readonly filtering: Readonly<Record<ListFilterName, FilterSupport>>
  readonly tables: MappingTables

  isValidNativeId (nativeId: string): boolean
  listPage (request: PageRequest): Promise<ListPage>
  get (nativeId: string, opts?: CallOptions): Promise<IncidentT>
  update (nativeId: string, patch: IncidentPatch, opts?: CallOptions): Promise<IncidentT>
  close (nativeId: string, request: CloseRequest, opts?: CallOptions): Promise<IncidentT>
  addNote (nativeId: string, text: string, opts?: CallOptions): Promise<IncidentT>
  addLabels (nativeId: string, labels: LabelT[], opts?: CallOptions): Promise<IncidentT>
  history (nativeId: string, opts?: CallOptions): Promise<HistoryEntry[]>
  evidence (nativeId: string, opts?: CallOptions): Promise<Record<string, unknown>>
  triggers (nativeId: string, opts?: CallOptions): Promise<Record<string, string>>
  tickets (nativeId: string, opts?: CallOptions): Promise<Array<Record<string, unknown>>>
  groups (nativeId: string, opts?: CallOptions): Promise<Array<Record<string, unknown>>>
  transactionIncidents (transactionId: string, opts?: CallOptions): Promise<IncidentT[]>
  health (): AdapterHealth
  shutdown (): Promise<void>
}

// A provider configured without a `resilience` section (adapters built directly, as in unit
// tests) runs unguarded: no retries, breaker, budgets or coalescing. loadConfig always fills the
// section in, so configured providers get the defaults of src/config/resilience.ts.
export interface AdapterFactoryDeps {
  dispatcher?: import('undici').Dispatcher // injected in tests; a Pool per instance otherwise
  now?: () => number
  logger?: import('pino').Logger
  metrics?: import('../observability/metrics.ts').MetricsRecorder // retries, circuit state, rate budget waits
  random?: () => number // backoff jitter (tests make it deterministic)
  requestTimeoutMs?: number // deadline of a call made without one: limits.request_timeout_ms
  sharedStore?: import('../state/shared-store.ts').SharedStore // upstream tokens shared by replicas (Redis)
}
