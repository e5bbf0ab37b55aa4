import type { ScopeValue } from '../schemas/enums.ts'

// The authenticated caller: an API key's name, scopes and optional provider allow-list.
export interface Principal {
  name: string
  scopes: ReadonlySet<ScopeValue>
  providers: ReadonlySet<string> | null // null: every provider
}

export const mayUseProvider = (principal: Principal, providerId: string) =>
  principal.providers === null || principal.providers.has(providerId)
