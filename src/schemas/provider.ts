import { Type, type Static } from 'typebox'
import { ProviderTypeRef, ref } from './enums.ts'
import { NullableString } from './nullable.ts'
import { ProviderSync } from './change.ts'

// What an adapter can do; `GET /v1/providers` lists them so clients know before they ask.
export const CAPABILITIES = [
  'list', 'get', 'update_status', 'update_severity', 'update_external_ref', 'close',
  'notes', 'labels', 'history', 'evidence', 'triggers', 'tickets', 'groups', 'transactions',
  'filter_severity', 'filter_status', 'filter_created', 'filter_updated',
  'filter_priority', 'filter_external_ref', 'filter_label', 'filter_policy_id'
] as const
// The list filters whose handling `GET /v1/providers` reports per provider (`filtering`).
export const LIST_FILTERS = [
  'severity', 'status', 'created', 'updated', 'priority', 'external_ref', 'label', 'policy_id'
] as const
export type ListFilterName = typeof LIST_FILTERS[number]
const SUPPORTS = ['native', 'gateway', 'none'] as const
export type FilterSupport = typeof SUPPORTS[number]

// The `filter_*` capabilities are the filters a provider applies natively: derived, never listed twice.
export const nativeFilterCapabilities = (
  filtering: Readonly<Record<ListFilterName, FilterSupport>>
): CapabilityValue[] =>
  LIST_FILTERS.filter((f) => filtering[f] === 'native').map((f) => `filter_${f}` as CapabilityValue)
const SUPPORT = Type.Enum(SUPPORTS)
export const BUDGET_MODES = ['local', 'shared', 'fallback'] as const
export type CapabilityValue = typeof CAPABILITIES[number]

export const ProviderHealth = Type.Object({
  status: ref<'ok' | 'degraded' | 'unavailable' | 'unknown'>('HealthStatus'),
  circuit: ref<'closed' | 'open' | 'half_open'>('CircuitState'),
  last_error: Type.Union([Type.Object({
    code: Type.String(),
    detail: Type.String(),
    at: Type.String({ format: 'date-time' })
  }, { additionalProperties: false }), Type.Null()])
}, { additionalProperties: false })

export const Provider = Type.Object({
  id: Type.String(),
  type: ProviderTypeRef,
  base_url: Type.String({ description: 'upstream base URL, never with credentials' }),
  capabilities: Type.Array(Type.Enum(CAPABILITIES)),
  filtering: Type.Object(
    Object.fromEntries(LIST_FILTERS.map((f) => [f, SUPPORT])) as Record<ListFilterName, typeof SUPPORT>, {
      additionalProperties: false,
      description: 'how each list filter is applied: native (in the vendor query), gateway (by the gateway over ' +
        'what it fetches, within the per-request call budget) or none (the vendor has no such field: the filter ' +
        'matches none of its incidents)'
    }),
  health: ProviderHealth,
  rate_budget: Type.Object({
    mode: Type.Enum(BUDGET_MODES, {
      description: 'where the vendor rate budget is kept: `shared` by every replica (Redis), `local` to this ' +
        'replica (no Redis, or no limits to share), or `fallback`: Redis is unreachable and this replica uses ' +
        'its `fallback_share` of each limit'
    })
  }, { additionalProperties: false }),
  sync: ProviderSync,
  note: Type.Optional(NullableString())
}, { additionalProperties: false, $id: 'Provider', title: 'Provider' })

export const ProviderList = Type.Object({
  data: Type.Array(Type.Ref('Provider'))
}, { additionalProperties: false, $id: 'ProviderList', title: 'ProviderList' })

export type ProviderT = Static<typeof Provider>
