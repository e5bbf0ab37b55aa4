// Defensive readers for vendor records: every field may be missing, null or of another type than
// documented, so mapping never assumes a type it has not checked (the "mapping is total" properties
// of test/adapters/zwa/map-incident.test.ts and test/adapters/cloudlock/map-incident.test.ts).
import { integerText } from '../upstream/http/lossless-json.ts'

export type Obj = Record<string, unknown>

export const obj = (v: unknown): Obj | null =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? v as Obj : null

export const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : [])

export const objects = (v: unknown): Obj[] => list(v).map(obj).filter((o): o is Obj => o !== null)

// Strings exactly as sent ("" included); anything else is absent.
export const str = (v: unknown): string | null => (typeof v === 'string' ? v : null)

// Strings that identify something: "" means "not set" (e.g. contentInfo.additionalInfo.fileId).
export const nonEmpty = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null)

// An enum or id value kept readable: strings as sent, integers (exact beyond 2^53) and booleans as text.
export function scalarText (v: unknown): string | null {
  if (typeof v === 'string') return v
  if (typeof v === 'boolean') return String(v)
  return integerText(v) ?? (typeof v === 'number' ? String(v) : null)
}

// Free-form values the contract types as strings (history before/after, trigger values).
export function asText (v: unknown): string | null {
  if (v === null || v === undefined) return null
  return scalarText(v) ?? JSON.stringify(v)
}
