import type { Obj } from './values.ts'

type Shape = 'string' | 'object' | 'array' | 'timestamp' | 'count'

const WHAT: Record<Shape, string> = {
  string: 'a string',
  object: 'an object',
  array: 'an array',
  timestamp: 'a timestamp',
  count: 'a non-negative integer'
}

// What could not be mapped in one vendor record (spec section 5): such a record is still served,
// with the fields it affects left null, [] or unknown, and one entry per problem in
// `mapping_errors`. Absent and null vendor fields are not problems; a value of the wrong type is.
// Messages name the vendor field and its JSON type, never its value (it may be matched content).
export class MappingIssues {
  readonly list: Array<{ field: string, message: string }> = []

  // Records a problem when `value` is present but not of the expected shape; returns whether it is usable.
  check (record: Obj, vendorField: string, field: string, shape: Shape, ok: (v: unknown) => boolean): boolean {
    const value = record[vendorField]
    if (value === undefined || value === null) return false
    if (ok(value)) return true
    this.add(field, `vendor field '${vendorField}' is ${typeName(value)}, expected ${WHAT[shape]}`)
    return false
  }

  add (field: string, message: string): void {
    this.list.push({ field, message })
  }

  // Spread into an Incident: the key appears only when something went wrong.
  get field (): { mapping_errors?: Array<{ field: string, message: string }> } {
    return this.list.length ? { mapping_errors: this.list } : {}
  }
}

function typeName (value: unknown): string {
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'string') return 'a string'
  if (typeof value === 'object') return 'an object'
  return `a ${typeof value}`
}

export const isString = (v: unknown): boolean => typeof v === 'string'
export const isObject = (v: unknown): boolean => v !== null && typeof v === 'object' && !Array.isArray(v)
export const isArray = (v: unknown): boolean => Array.isArray(v)
export const isCount = (v: unknown): boolean => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0
