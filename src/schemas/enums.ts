import { Type, type Static } from 'typebox'

// Normalized enums of spec section 3. `unknown` is the home of every vendor value the
// mapping tables do not know; it is never coerced to a neighbour (test/mapping/mapper.test.ts).
export const SEVERITIES = ['informational', 'low', 'medium', 'high', 'critical', 'unknown'] as const
export const PRIORITIES = ['low', 'medium', 'high', 'critical', 'unknown'] as const
export const STATUSES = ['new', 'in_progress', 'resolved', 'dismissed', 'unknown'] as const
export const CLASSIFICATIONS = ['false_positive', 'true_positive', 'benign', 'unknown'] as const
export const PROVIDER_TYPES = ['zwa', 'cloudlock'] as const
export const SCOPES = ['incidents:read', 'incidents:write', 'evidence:read', 'webhooks:manage'] as const

// Each enum is one named component schema (`$id`), referenced wherever it is used, so generated
// clients get one enum class each instead of one per property.
const named = <T extends readonly string[]>(id: string, values: T, description?: string) =>
  Type.Enum(values, { $id: id, title: id, type: 'string', ...(description ? { description } : {}) })
// A reference to a named schema, typed as its values (TypeBox types a bare Ref as unknown).
export const ref = <T>(id: string) => Type.Unsafe<T>(Type.Ref(id))

export const Severity = named('Severity', SEVERITIES, 'Normalized severity')
export const Priority = named('Priority', PRIORITIES, 'Normalized priority')
export const Status = named('Status', STATUSES, 'Normalized status')
export const Classification = named('Classification', CLASSIFICATIONS, 'Normalized classification, set when closed')
export const ProviderType = named('ProviderType', PROVIDER_TYPES, 'Provider product')
export const Scope = Type.Enum(SCOPES)
export const CircuitState = named('CircuitState', ['closed', 'open', 'half_open'] as const, 'Circuit breaker state')
export const HealthStatus = named(
  'HealthStatus', ['ok', 'degraded', 'unavailable', 'unknown'] as const, 'Provider health'
)
// Named enums, keyed by $id (the context TypeBox's Value.Check resolves references in), and
// registered with addSchema (src/schemas/index.ts); adding one is one line here.
export const namedEnums = { Severity, Priority, Status, Classification, ProviderType, CircuitState, HealthStatus }
export const enumSchemas = Object.values(namedEnums)

export type SeverityValue = typeof SEVERITIES[number]
export type PriorityValue = typeof PRIORITIES[number]
export type StatusValue = typeof STATUSES[number]
export type ClassificationValue = typeof CLASSIFICATIONS[number]
export type ProviderTypeValue = typeof PROVIDER_TYPES[number]
export type ScopeValue = typeof SCOPES[number]
export type SeverityT = Static<typeof Severity>

export const SeverityRef = ref<SeverityValue>('Severity')
export const PriorityRef = ref<PriorityValue>('Priority')
export const StatusRef = ref<StatusValue>('Status')
export const ClassificationRef = ref<ClassificationValue>('Classification')
export const ProviderTypeRef = ref<ProviderTypeValue>('ProviderType')

// Provider instance ids and native id patterns of spec section 2.
export const PROVIDER_ID_PATTERN = '^[a-z][a-z0-9-]{0,31}$'
export const NATIVE_ID_PATTERNS: Record<ProviderTypeValue, string> = {
  zwa: '^[A-Za-z0-9-]{1,64}$',
  cloudlock: '^[0-9]{1,20}$'
}
const inner = (pattern: string) => pattern.replace(/^\^/, '').replace(/\$$/, '')
// `<provider id>:<native id>` where the native id has any provider type's form. A superset of each
// provider's own form: the route checks the native id against the provider's own pattern afterwards.
export const INCIDENT_ID_PATTERN =
  `${PROVIDER_ID_PATTERN.slice(0, -1)}:(?:${Object.values(NATIVE_ID_PATTERNS).map(inner).join('|')})$`
