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
  return parseCommonTime(value) ?? parseAnyTime(value)
}

const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
const isLeap = (y: number) => y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0)
// Digits at s[from, to) as a number, or -1 if any is not a digit.
function digits (s: string, from: number, to: number): number {
  let n = 0
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i) - 48
    if (c < 0 || c > 9) return -1
    n = n * 10 + c
  }
  return n
}

// The forms both vendors actually send, `YYYY-MM-DDTHH:MM:SS[.f…]` then `Z` or `+00:00`, years
// 1970-2199, read without a regular expression, a Date or BigInt arithmetic: it runs twice for
// every vendor record of a list page and was the largest single cost in its profile (BENCHMARKS.md).
// Anything else returns undefined and takes the general path; both agree wherever this one answers
// (test/mapping/timestamps.test.ts, "the fast path agrees with the general one").
function parseCommonTime (s: string): ParsedTime | null | undefined {
  const n = s.length
  if (n < 20 || s[4] !== '-' || s[7] !== '-' || s[10] !== 'T' || s[13] !== ':' || s[16] !== ':') return undefined
  let end = n
  if (s[n - 1] === 'Z') end = n - 1
  else if (s.endsWith('+00:00')) end = n - 6
  else return undefined
  let sub = 0 // microseconds within the second, sub-microsecond digits dropped
  if (end > 19) {
    if (s[19] !== '.' || end === 20) return undefined
    const frac = digits(s, 20, Math.min(end, 26))
    if (frac < 0 || (end > 26 && digits(s, 26, end) < 0)) return undefined
    sub = frac * 10 ** (6 - Math.min(end - 20, 6))
  } else if (end !== 19) return undefined
  const year = digits(s, 0, 4)
  const month = digits(s, 5, 7)
  const day = digits(s, 8, 10)
  const hour = digits(s, 11, 13)
  const minute = digits(s, 14, 16)
  const second = digits(s, 17, 19)
  if (year < 1970 || year > 2199 || minute < 0 || second < 0) return undefined
  if (month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute > 59 || second > 59) return null
  if (day > (month === 2 && isLeap(year) ? 29 : DAYS[month - 1])) return null
  const base = Date.UTC(year, month - 1, day, hour, minute, second) // whole seconds, in ms
  return { ms: base + Math.floor(sub / 1000), micros: BigInt(base * 1000 + sub) }
}

// Every form PATTERN accepts (exported for the test that holds the fast path to it).
export function parseAnyTime (value: string): ParsedTime | null {
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
