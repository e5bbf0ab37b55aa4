// Lossless JSON: ZWA group ids can exceed 2^53 (e.g. 16786743992009003), and JSON.parse would round
// them. Unsafe integers are kept as JSON.rawJSON values, which JSON.stringify writes back verbatim.

// TypeScript's lib has no typings yet for the JSON source-text-access additions that Node 24 ships.
export interface RawJson { readonly rawJSON: string }
interface JsonWithRaw {
  rawJSON: (text: string) => RawJson
  isRawJSON: (value: unknown) => value is RawJson
  parse: (text: string, reviver: (key: string, value: unknown, context: { source?: string }) => unknown) => unknown
}
const J = JSON as unknown as JsonWithRaw

const INTEGER_TEXT = /^-?\d+$/
// An own "__proto__" key would swap the prototype if a record were later merged with Object.assign.
const POISONED_KEY = '__proto__'

export function isRawJson (value: unknown): value is RawJson {
  return J.isRawJSON(value)
}

export function rawInteger (digits: string): RawJson {
  if (!INTEGER_TEXT.test(digits)) throw new TypeError(`not an integer literal: ${digits}`)
  return J.rawJSON(digits)
}

// A JSON integer as the API holds it: a number while it is exact, raw text beyond 2^53.
export type JsonInteger = number | RawJson

export function integerFromDigits (digits: string): JsonInteger {
  const n = Number(digits)
  return Number.isSafeInteger(n) && String(n) === digits ? n : rawInteger(digits)
}

// Parses JSON text, keeping integers beyond 2^53 exact and dropping prototype-polluting keys.
export function parseLossless (text: string): unknown {
  return J.parse(text, (key, value, context) => {
    if (key === POISONED_KEY) return undefined
    if (typeof value === 'number' && !Number.isSafeInteger(value) && context?.source !== undefined &&
      INTEGER_TEXT.test(context.source)) {
      return rawInteger(context.source)
    }
    return value
  })
}

// Deep copy that keeps raw integers raw (structuredClone would turn them into plain objects).
export function cloneJson<T> (value: T): T {
  return parseLossless(JSON.stringify(value)) as T
}

// The canonical decimal text of an integer id, or undefined when `value` is not one. Digit strings
// are accepted because ZWA's Java backend coerces them (the Python SDK docs pass group ids as strings).
export function integerText (value: unknown): string | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? String(value) : undefined
  if (isRawJson(value)) return canonicalDigits(value.rawJSON)
  if (typeof value === 'string' && INTEGER_TEXT.test(value.trim())) return canonicalDigits(value.trim())
  return undefined
}

function canonicalDigits (text: string): string {
  return BigInt(text).toString()
}

export function isPlainObject (value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !isRawJson(value)
}
