// Vendor timestamps -> RFC 3339 UTC with exactly three fractional digits and `Z`.
// Cloudlock sends microseconds with +00:00 (sometimes a space and no zone), ZWA whole seconds or
// milliseconds with Z. Sub-millisecond digits are truncated, never rounded into the next ms.
const PATTERN = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?(Z|[+-]\d{2}:?\d{2})?$/i

export interface ParsedTime {
  ms: number
  micros: bigint // microseconds since epoch, for ordering at the vendor's full precision
}

export function parseVendorTime (value: unknown): ParsedTime | null {
  if (typeof value !== 'string') return null
  const m = PATTERN.exec(value.trim())
  if (!m) return null
  const [, y, mo, d, h = '00', mi = '00', s = '00', frac = '', zone = 'Z'] = m
  const fraction = (frac + '000000').slice(0, 6)
  let offsetMinutes = 0
  if (zone.toUpperCase() !== 'Z') {
    const sign = zone[0] === '-' ? -1 : 1
    const digits = zone.slice(1).replace(':', '')
    offsetMinutes = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4)))
  }
  const base = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s))
  if (Number.isNaN(base)) return null
  const check = new Date(base)
  if (check.getUTCDate() !== Number(d) || check.getUTCMonth() !== Number(mo) - 1) return null
  const micros = BigInt(base - offsetMinutes * 60_000) * 1000n + BigInt(fraction)
  return { ms: Number(micros / 1000n), micros }
}

export function toIsoMillis (value: unknown): string | null {
  const parsed = parseVendorTime(value)
  return parsed ? new Date(parsed.ms).toISOString() : null
}

// Microseconds since epoch -> Cloudlock's own wire form, `YYYY-MM-DDTHH:MM:SS.ffffff+00:00`.
export function microsToCloudlock (micros: bigint): string {
  const ms = Number(micros / 1000n)
  const sub = String(micros % 1000n).padStart(3, '0')
  return new Date(ms).toISOString().replace('Z', `${sub}+00:00`)
}
