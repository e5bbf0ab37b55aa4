import { GatewayError } from '../errors/gateway-error.ts'
import type { CapabilityValue } from '../schemas/provider.ts'

// One vendor call, described once: everything the pipeline, the rate budget, the metrics and the
// traces need to know about it comes from here, never from parsing a URL after the fact
// (test/upstream/pipeline.test.ts, "telemetry").
export interface Operation<T = unknown> {
  name: string // metrics label and span attribute, unique within a vendor
  method: 'GET' | 'POST' | 'PUT' | 'DELETE'
  path: string // template below the provider's base URL (and path prefix): '/incidents/{id}/notes'
  rateClass: string // the vendor's rate-limit class this call is counted in
  // Repeating it cannot change anything upstream: retried and coalesced. A write (false) is sent
  // once and never shares another call's answer (test/resilience/units.test.ts, test/upstream/write-once.test.ts).
  idempotent: boolean
  provides?: readonly CapabilityValue[] // what a provider with this operation can do (GET /v1/providers)
  // Checks the envelope of a 2xx JSON answer and returns what the adapter maps. A failure here is the
  // vendor's (a health failure); mapping the records inside is the adapter's, after the exchange.
  parse: (body: unknown, providerId: string) => T
}

// A vendor's operations by key. `satisfies OperationTable` keeps each entry's own answer type.
export type OperationTable = Readonly<Record<string, Operation>>

export const asIs = (body: unknown): unknown => body

// An answer that must be an object holding an array under `key` (a list envelope).
export const arrayField = (key: string, what: string) => (body: unknown, providerId: string): unknown[] => {
  const value = (body as Record<string, unknown> | null)?.[key]
  if (!Array.isArray(value)) {
    throw new GatewayError('upstream_error', `Provider '${providerId}' sent ${what} without an ${key} array.`,
      { provider: providerId })
  }
  return value
}

// An answer that must be a JSON object (one record, or an envelope read by a mapper afterwards).
// Anything else is the vendor's failure; what the object holds is the mapper's business.
export const anObject = (what: string) => (body: unknown, providerId: string): Record<string, unknown> => {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new GatewayError('upstream_error', `Provider '${providerId}' sent ${what} that is not an object.`,
      { provider: providerId })
  }
  return body as Record<string, unknown>
}

// The path of one call: `{name}` placeholders replaced by path-encoded values. Adapters validate ids
// before they get here; encoding is the last line of defence, so an id can never add a path segment
// (test/upstream/pipeline.test.ts).
export function expandPath (template: string, params: Readonly<Record<string, string>> = {}): string {
  return template.replace(/\{(\w+)\}/g, (_m, name: string) => {
    const value = params[name]
    if (typeof value !== 'string') throw new Error(`path parameter '${name}' missing`)
    return encodeURIComponent(value)
  })
}

// A provider's capabilities follow from the operations it has (and the filters it applies), so the
// list GET /v1/providers shows and the calls the adapter makes cannot drift apart
// (test/adapters/capabilities.test.ts).
export function capabilitiesOf (table: OperationTable): Set<CapabilityValue> {
  const out = new Set<CapabilityValue>()
  for (const op of Object.values(table)) for (const c of op.provides ?? []) out.add(c)
  return out
}

export const operationNames = (...tables: OperationTable[]): string[] =>
  tables.flatMap((t) => Object.values(t).map((op) => op.name))

export const rateClassesOf = (...tables: OperationTable[]): string[] =>
  [...new Set(tables.flatMap((t) => Object.values(t).map((op) => op.rateClass)))]
