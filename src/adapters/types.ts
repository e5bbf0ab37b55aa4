import type { IncidentT, LabelT } from '../schemas/incident.ts'
import type {
  ClassificationValue, PriorityValue, ProviderTypeValue, SeverityValue, StatusValue
} from '../schemas/enums.ts'
import type { CapabilityValue, FilterSupport, ListFilterName } from '../schemas/provider.ts'
import type { MappingTables } from '../mapping/tables.ts'
import type { CallOptions, CallPurpose } from '../upstream/call-options.ts'
import type { VendorCalls } from '../upstream/call-count.ts'
import type { UpstreamDeps } from '../upstream/create-pipeline.ts'
import type { ProviderHealth } from '../upstream/resilience/health-tracker.ts'
import type { BudgetMode } from '../upstream/metrics.ts'

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
  purpose?: CallPurpose // default interactive; 'sync' spends sync's share of the rate budget (CallOptions)
}

export interface StreamItem {
  incident: IncidentT
  createdMicros: bigint // created_at at the vendor's full precision, the merge key
  after: NativePosition // position just after this item
}

export interface ListPage {
  items: StreamItem[] // stream order (src/adapters/stream-order.ts): newest first, ties by native id descending
  // True only when the vendor said nothing follows (an empty page or a reliable total), never on a
  // short page (test/adapters/keyset-walk.test.ts, "end of data").
  exhausted: boolean
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

export type { CallOptions, CallPurpose, VendorCalls }
export type AdapterHealth = ProviderHealth

export interface ProviderAdapter {
  readonly id: string
  readonly type: ProviderTypeValue
  readonly baseUrl: string // without credentials
  // Derived from the vendor's operation table and filtering (src/adapters/complete-adapter.ts).
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
  health (): AdapterHealth
  rateBudget (): BudgetMode // where its vendor rate budget is kept (src/upstream/budget)
  vendorCalls (): VendorCalls // requests sent to the vendor in about the last hour, by purpose
  shutdown (): Promise<void>
  // The optional capabilities (OPTIONAL_METHODS): a vendor without the operation refuses them with
  // capability_not_supported (spec principle 3: refused, never faked; test/adapters/capabilities.test.ts).
  addNote (nativeId: string, text: string, opts?: CallOptions): Promise<IncidentT>
  addLabels (nativeId: string, labels: LabelT[], opts?: CallOptions): Promise<IncidentT>
  history (nativeId: string, opts?: CallOptions): Promise<HistoryEntry[]>
  evidence (nativeId: string, opts?: CallOptions): Promise<Record<string, unknown>>
  triggers (nativeId: string, opts?: CallOptions): Promise<Record<string, string>>
  tickets (nativeId: string, opts?: CallOptions): Promise<Array<Record<string, unknown>>>
  groups (nativeId: string, opts?: CallOptions): Promise<Array<Record<string, unknown>>>
  transactionIncidents (transactionId: string, opts?: CallOptions): Promise<IncidentT[]>
}

// Each optional method and the capability it is.
export const OPTIONAL_METHODS = {
  addNote: 'notes',
  addLabels: 'labels',
  history: 'history',
  evidence: 'evidence',
  triggers: 'triggers',
  tickets: 'tickets',
  groups: 'groups',
  transactionIncidents: 'transactions'
} as const satisfies Partial<Record<keyof ProviderAdapter, CapabilityValue>>
export type OptionalMethod = keyof typeof OPTIONAL_METHODS

// What a vendor builds: the required members, and the optional ones its operations allow.
export type AdapterCore = Omit<ProviderAdapter, OptionalMethod | 'capabilities'> &
  Partial<Pick<ProviderAdapter, OptionalMethod>>

// What a vendor factory gets besides its configuration: the app's upstream dependencies.
export type AdapterFactoryDeps = UpstreamDeps
