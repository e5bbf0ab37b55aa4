// JSON parsing that keeps integers beyond 2^53 exact (ZWA group ids exceed it). Such numbers
// become JSON.rawJSON values: JSON.stringify writes their original digits back verbatim.
type RawJsonApi = { rawJSON: (text: string) => unknown, isRawJSON: (value: unknown) => boolean }
const RAW = JSON as unknown as RawJsonApi

// Only texts with a number of 16+ digits (right after `:`, `[` or `,`) can hold such an integer;
// the others take the plain, several times faster parse. Long digit runs inside strings do not count.
const LONG_DIGITS = /[:[,]\s*-?\d{16}/

export function parseJsonLossless (text: string): unknown {
  if (!LONG_DIGITS.test(text)) return JSON.parse(text)
  return JSON.parse(text, (_key, value, context?: { source?: string }) => {
    if (typeof value === 'number' && !Number.isSafeInteger(value) &&
      context?.source && /^-?\d+$/.test(context.source)) {
      return RAW.rawJSON(context.source)
    }
    return value
  })
}

// The decimal text of an integer id, exact whether it was parsed as a number or as raw JSON.
export function integerText (value: unknown): string | null {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value)
  if (typeof value === 'string' && value !== '') return value
  if (RAW.isRawJSON(value)) return (value as { rawJSON: string }).rawJSON
  return null
}

// A JSON integer literal for a decimal id string, exact beyond 2^53, for request bodies.
export const integerLiteral = (digits: string): unknown => RAW.rawJSON(digits)
