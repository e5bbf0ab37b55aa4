import { capabilityNotSupported } from '../errors/gateway-error.ts'
import { nativeFilterCapabilities, type CapabilityValue } from '../schemas/provider.ts'
import { capabilitiesOf, type OperationTable } from '../upstream/operation.ts'
import { OPTIONAL_METHODS, type AdapterCore, type OptionalMethod, type ProviderAdapter } from './types.ts'

// A vendor's adapter with its capabilities derived from what it has: the operations of its table
// and the filters it applies natively. Every optional method the vendor lacks refuses with
// capability_not_supported; one it has without the capability (or the reverse) is a programming
// error caught when the adapter is built (both: test/adapters/capabilities.test.ts).
export function completeAdapter (core: AdapterCore, operations: OperationTable): ProviderAdapter {
  const capabilities = capabilitiesOf(operations)
  for (const c of nativeFilterCapabilities(core.filtering)) capabilities.add(c)
  const adapter = { ...core, capabilities } as ProviderAdapter
  for (const [method, capability] of Object.entries(OPTIONAL_METHODS) as Array<[OptionalMethod, CapabilityValue]>) {
    const has = typeof core[method] === 'function'
    if (has !== capabilities.has(capability)) {
      throw new Error(`adapter ${core.id}: method ${method} ${has ? 'present' : 'missing'} ` +
        `but capability '${capability}' ${has ? 'not derived' : 'derived'}`)
    }
    if (!has) {
      (adapter as unknown as Record<string, unknown>)[method] = () =>
        Promise.reject(capabilityNotSupported(core.id, capability))
    }
  }
  return adapter
}
