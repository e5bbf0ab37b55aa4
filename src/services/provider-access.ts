import type { ProviderAdapter } from '../adapters/types.ts'
import { GatewayError } from '../errors/gateway-error.ts'
import { PROVIDER_ID_PATTERN, type ProviderTypeValue } from '../schemas/enums.ts'
import { mayUseProvider, type Principal } from './principal.ts'

const PROVIDER_ID = new RegExp(PROVIDER_ID_PATTERN)

// Where providers are looked up: the registry (src/services/provider-registry.ts), or fakes in tests.
export interface ProviderSource {
  get (id: string): ProviderAdapter | undefined
  all (): ProviderAdapter[] // in configuration order
}

// One provider the caller names: malformed 400, unknown 404, not on the key's allow-list 403.
export function providerFor (registry: ProviderSource, principal: Principal, providerId: string,
  path: string): ProviderAdapter {
  if (!PROVIDER_ID.test(providerId)) {
    throw new GatewayError('validation_failed', `'${providerId.slice(0, 40)}' is not a provider id.`,
      { errors: [{ path, message: `must match ${PROVIDER_ID_PATTERN}` }] })
  }
  const adapter = registry.get(providerId)
  if (!adapter) throw new GatewayError('not_found', `Unknown provider '${providerId}'; GET /v1/providers lists them.`)
  if (!mayUseProvider(principal, providerId)) {
    throw new GatewayError('forbidden', `This API key may not use provider '${providerId}'.`, { provider: providerId })
  }
  return adapter
}

// The providers a listing covers: the named ones, or every provider the key may see.
export function providersForList (registry: ProviderSource, principal: Principal,
  ids: string[] | undefined): ProviderAdapter[] {
  if (ids === undefined) return registry.all().filter((a) => mayUseProvider(principal, a.id))
  return ids.map((id) => providerFor(registry, principal, id, '/query/provider'))
}

const NATIVE_ID_RULE: Record<ProviderTypeValue, string> = {
  cloudlock: 'native id must be 1 to 20 digits',
  zwa: 'native id must be 1 to 64 letters, digits or -'
}

// `<provider id>:<native id>` -> the adapter and the native id, checked before any vendor call
// (test/v1/incidents.test.ts, "incident ids are validated before any vendor call").
export function resolveIncidentId (registry: ProviderSource, principal: Principal,
  id: string): { adapter: ProviderAdapter, nativeId: string } {
  const colon = id.indexOf(':')
  if (colon <= 0 || colon === id.length - 1) {
    throw new GatewayError('validation_failed', `'${id.slice(0, 80)}' is not an incident id; ids look like ` +
      '<provider>:<native id>, e.g. cloudlock:320831601.', {
      errors: [{ path: '/path/id', message: 'must be <provider id>:<native id>' }]
    })
  }
  const adapter = providerFor(registry, principal, id.slice(0, colon), '/path/id')
  const nativeId = id.slice(colon + 1)
  if (!adapter.isValidNativeId(nativeId)) {
    throw new GatewayError('validation_failed',
      `'${nativeId.slice(0, 80)}' is not a valid ${adapter.type} incident id.`,
      { errors: [{ path: '/path/id', message: NATIVE_ID_RULE[adapter.type] }] })
  }
  return { adapter, nativeId }
}
