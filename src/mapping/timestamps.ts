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

// Days from 1970-01-01 to January 1st of 1970 + i, and from January 1st to the 1st of each month
// (of a common year): the fast path's arithmetic in place of Date.UTC, a call into the runtime.
const YEAR_START: number[] = []
for (let y = 1970, days = 0; y <= 2199; days += isLeap(y) ? 366 : 365, y++) YEAR_START.push(days)
const MONTH_START = DAYS.map((_, m) => DAYS.slice(0, m).reduce((a, b) => a + b, 0))
// Microseconds per unit of the last of n fractional digits (n = 1..6).
const SCALE = [1_000_000, 100_000, 10_000, 1000, 100, 10, 1]

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
    sub = frac * SCALE[Math.min(end - 20, 6)]
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
  const days = YEAR_START[year - 1970] + MONTH_START[month - 1] + (month > 2 && isLeap(year) ? 1 : 0) + day - 1
  const base = (days * 86_400 + hour * 3600 + minute * 60 + second) * 1000 // whole seconds, in ms
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
  return parsed ? isoMillis(parsed.ms) : null
}

const DAY_MS = 86_400_000
const YEAR_10000_MS = 253_402_300_800_000
const digit = (n: number) => 48 + n // char code

// `new Date(ms).toISOString()`, written without a Date: that builtin formats in C++ through the
// date cache and took ~0.7 µs a call, twice per incident of a list page, more than the rest of the
// mapping (issue 20's profile); this takes ~0.2 µs. Exact for 1970-9999 (the form is then always
// `YYYY-MM-DDTHH:MM:SS.mmmZ`); any other instant takes the builtin
// (test/mapping/timestamps.test.ts holds the two equal).
export function isoMillis (ms: number): string {
  if (!(ms >= 0 && ms < YEAR_10000_MS) || !Number.isInteger(ms)) return new Date(ms).toISOString()
  // Days since 1970-01-01 to a proleptic Gregorian date, by 400-year eras of 146,097 days
  // (a day count starting 0000-03-01, so that the leap day ends its year).
  const days = Math.floor(ms / DAY_MS)
  let rest = ms - days * DAY_MS
  const z = days + 719_468 // days from 0000-03-01 to 1970-01-01
  const era = Math.floor(z / 146_097)
  const dayOfEra = z - era * 146_097
  const yearOfEra = Math.floor((dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) -
    Math.floor(dayOfEra / 146_096)) / 365)
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100))
  const m5 = Math.floor((5 * dayOfYear + 2) / 153) // month from March = 0
  const day = dayOfYear - Math.floor((153 * m5 + 2) / 5) + 1
  const month = m5 < 10 ? m5 + 3 : m5 - 9
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
  const hour = Math.floor(rest / 3_600_000)
  rest -= hour * 3_600_000
  const minute = Math.floor(rest / 60_000)
  rest -= minute * 60_000
  const second = Math.floor(rest / 1000)
  rest -= second * 1000
  // One flat string in one allocation: a chain of concatenations would be flattened again by the
  // response serializer's escape scan.
  return String.fromCharCode(
    digit(Math.floor(year / 1000)), digit(Math.floor(year / 100) % 10), digit(Math.floor(year / 10) % 10),
    digit(year % 10), 45, digit(Math.floor(month / 10)), digit(month % 10), 45,
    digit(Math.floor(day / 10)), digit(day % 10), 84, digit(Math.floor(hour / 10)), digit(hour % 10), 58,
    digit(Math.floor(minute / 10)), digit(minute % 10), 58, digit(Math.floor(second / 10)), digit(second % 10), 46,
    digit(Math.floor(rest / 100)), digit(Math.floor(rest / 10) % 10), digit(rest % 10), 90)
}

// Microseconds since epoch -> Cloudlock's own wire form, `YYYY-MM-DDTHH:MM:SS.ffffff+00:00`.
export function microsToCloudlock (micros: bigint): string {
  const ms = floorDiv(micros, 1000n)
  const sub = String(micros - ms * 1000n).padStart(3, '0')
  return isoMillis(Number(ms)).replace('Z', `${sub}+00:00`)
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
  const iso = isoMillis(Number(ms))
  return sub === 0n ? iso : iso.replace('Z', `${String(sub).padStart(3, '0')}Z`)
}
