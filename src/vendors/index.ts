import type { AdapterFactoryDeps, ProviderAdapter } from '../adapters/types.ts'
import type { ProviderConfig } from '../config/schema.ts'
import { operationNames, rateClassesOf } from '../upstream/operation.ts'
import { createCloudlockAdapter } from './cloudlock/adapter.ts'
import { CLOUDLOCK_OPERATIONS } from './cloudlock/operations.ts'
import { createZwaAdapter } from './zwa/adapter.ts'
import { ZWA_OPERATIONS, ZWA_TOKEN_OPERATIONS } from './zwa/operations.ts'

// The vendors the gateway speaks to: how to build an adapter for a configured instance, and the
// operation names and rate classes its metrics are labelled with (all from the operation tables).
// A new vendor adds its folder and one entry here (docs/adding-a-vendor.md).
export interface Vendor<C extends ProviderConfig = ProviderConfig> {
  create: (config: C, deps: AdapterFactoryDeps) => ProviderAdapter
  operations: readonly string[]
  rateClasses: readonly string[]
  tokens: boolean // requests its own tokens (a token operation)
}

type VendorTable = { [T in ProviderConfig['type']]: Vendor<Extract<ProviderConfig, { type: T }>> }

export const VENDORS: VendorTable = {
  zwa: {
    create: createZwaAdapter,
    operations: operationNames(ZWA_OPERATIONS, ZWA_TOKEN_OPERATIONS),
    rateClasses: rateClassesOf(ZWA_OPERATIONS, ZWA_TOKEN_OPERATIONS),
    tokens: true
  },
  cloudlock: {
    create: createCloudlockAdapter,
    operations: operationNames(CLOUDLOCK_OPERATIONS),
    rateClasses: rateClassesOf(CLOUDLOCK_OPERATIONS),
    tokens: false
  }
}

export const vendorOf = (type: ProviderConfig['type']): Vendor => VENDORS[type] as Vendor

export function createAdapter (config: ProviderConfig, deps: AdapterFactoryDeps): ProviderAdapter {
  return vendorOf(config.type).create(config, deps)
}
