import { GatewayError } from '../errors/gateway-error.ts'
import { parseVendorTime } from '../mapping/timestamps.ts'

// A list filter's RFC 3339 bound in microseconds. Routes validated it already; this keeps a value
// that slipped through a 400 naming the filter, never an exception or a vendor call
// (test/adapters/filter-time.test.ts; the routes' own check: test/v1/time-filters.test.ts).
export function filterMicros (iso: string, name: string): bigint {
  const parsed = parseVendorTime(iso)
  if (!parsed) throw new GatewayError('validation_failed', `${name} is not an RFC 3339 timestamp.`)
  return parsed.micros
}
