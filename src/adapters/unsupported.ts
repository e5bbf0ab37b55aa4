import { capabilityNotSupported } from '../errors/gateway-error.ts'
import type { CapabilityValue } from '../schemas/provider.ts'

// The refusal for an action a vendor lacks (spec principle 3: refused, never faked).
export const refuse = (providerId: string, capability: CapabilityValue): Promise<never> =>
  Promise.reject(capabilityNotSupported(providerId, capability))
