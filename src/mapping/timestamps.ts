// Vendor timestamps -> RFC 3339 UTC with exactly three fractional digits and `Z`.
// Cloudlock sends microseconds with +00:00 (sometimes a space and no zone), ZWA whole seconds or
// milliseconds with Z. Sub-millisecond digits are truncated, never rounded into the next ms
// (test/mapping/timestamps.test.ts).
const PATTERN = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?(Z|[+-]\d{2}:?\d{2})?$/i

export interface ParsedTime {
  ms: number
  micros: bigint // microseconds since epoch, for ordering at the vendor's full precision
}

// Floor division (BigInt `/` truncates toward zero, which would round instants before 1970 up).
const floorDiv = (a: bigint, b: bigint): bigint => (a % b < 0n ? a / b - 1n : a / b)

export function parseVendorTime (value: unknown): ParsedTime | null {
  if (typeof value !== 'string') return null
  const m = PATTERN.exec(value.trim())
  if (!m) return null
  const [, y, mo, d, h = '00', mi = '00', s = '00', frac = '', zone = 'Z'] = m
  const [year, month, day, hour, minute, second] = [y, mo, d, h, mi, s].map(Number)
  // Out-of-range fields are errors, not something Date.UTC may roll into a neighbouring instant.
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return null
  let offsetMinutes = 0
  if (zone.toUpperCase() !== 'Z') {
    const sign = zone[0] === '-' ? -1 : 1
    const digits = zone.slice(1).replace(':', '')
    const [oh, om] = [Number(digits.slice(0, 2)), Number(digits.slice(2, 4))]
    if (oh > 23 || om > 59) return null
    offsetMinutes = sign * (oh * 60 + om)
  }
  // setUTCFullYear, unlike Date.UTC, does not read years 0-99 as 1900-1999.
  const date = new Date(0)
  date.setUTCFullYear(year, month - 1, day)
  date.setUTCHours(hour, minute, second, 0)
  if (date.getUTCDate() !== day) return null // 2021-02-30 would roll over into March
  const fraction = (frac + '000000').slice(0, 6)
  const micros = BigInt(date.getTime() - offsetMinutes * 60_000) * 1000n + BigInt(fraction)
  return { ms: Number(floorDiv(micros, 1000n)), micros }
}

export function toIsoMillis (value: unknown): string | null {
  const parsed = parseVendorTime(value)
  return parsed ? new Date(parsed.ms).toISOString() : null
}

// Microseconds since epoch -> Cloudlock's own wire form, `YYYY-MM-DDTHH:MM:SS.ffffff+00:00`.
export function microsToCloudlock (micros: bigint): string {
  const ms = floorDiv(micros, 1000n)
  const sub = String(micros - ms * 1000n).padStart(3, '0')
  return new Date(Number(ms)).toISOString().replace('Z', `${sub}+00:00`)
}

// Client timestamps (list filters): strict RFC 3339 with a calendar date, a time and a zone, as
// spec 6 requires a 400 rather than a vendor call for anything the vendors cannot take
// (test/v1/time-filters.test.ts).
// Up to 9 fractional digits are accepted (nanoseconds are common in clients) and truncated to
// microseconds, the finest precision either vendor keeps.
const CLIENT_PATTERN = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})$/
const MIN_MICROS = -62_135_596_800_000_000n // 0001-01-01T00:00:00Z
const END_MICROS = 253_402_300_800_000_000n // 10000-01-01T00:00:00Z, exclusive

export const CLIENT_TIME_RULE = 'must be an RFC 3339 date-time (e.g. 2024-05-01T12:00:00Z) with a real date, ' +
  'seconds 00-59 (no leap second), an offset within ±23:59, between 0001-01-01 and 9999-12-31T23:59:59.999999Z in UTC'

export function parseClientTime (value: string): bigint | null {
  if (!CLIENT_PATTERN.test(value)) return null
  const parsed = parseVendorTime(value) // checks the calendar, seconds 00-59 and the offset range
  if (!parsed || parsed.micros < MIN_MICROS || parsed.micros >= END_MICROS) return null
  return parsed.micros
}

// Canonical UTC form of a client timestamp: milliseconds, or microseconds when they are not
// zero, so equal instants give equal filters (and cursor filter digests) however they were written.
export function clientTimeToIso (value: string): string | null {
  const micros = parseClientTime(value)
  if (micros === null) return null
  const ms = floorDiv(micros, 1000n)
  const sub = micros - ms * 1000n
  const iso = new Date(Number(ms)).toISOString()
  return sub === 0n ? iso : iso.replace('Z', `${String(sub).padStart(3, '0')}Z`)
}
