import type { ProviderAdapter } from '../adapters/types.ts'
import type { ProviderMappingT } from '../schemas/mapping.ts'
import { CAPABILITIES, type ProviderT } from '../schemas/provider.ts'

// A provider instance as GET /v1/providers describes it; the base URL never carries credentials
// (the configuration refuses them: test/config/load.test.ts).
export const providerInfo = (a: ProviderAdapter, sync: ProviderT['sync']): ProviderT => ({
  id: a.id,
  type: a.type,
  base_url: a.baseUrl,
  capabilities: CAPABILITIES.filter((c) => a.capabilities.has(c)),
  filtering: { ...a.filtering },
  health: a.health(),
  rate_budget: { mode: a.rateBudget() },
  sync
})

const entries = (table: Record<string, string>) =>
  Object.entries(table).map(([native, normalized]) => ({ native, normalized }))

// A provider's enum mapping tables as GET /v1/mappings serves them (spec section 3.1).
export const mappingOf = (a: ProviderAdapter): ProviderMappingT => ({
  provider: a.id,
  provider_type: a.type,
  severity: entries(a.tables.severity),
  priority: entries(a.tables.priority),
  status: Object.entries(a.tables.status).map(([native, normalized]) => (
    a.tables.subStatus.includes(native) ? { native, normalized, sub_status: true } : { native, normalized })),
  classification: entries(a.tables.classification)
})
