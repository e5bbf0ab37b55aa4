import { parseVendorTime } from '../mapping/timestamps.ts'
import type { Obj } from './values.ts'

type VendorTime = NonNullable<ReturnType<typeof parseVendorTime>>

// Each shape a vendor field is expected to have: how it reads in a message, and how it is checked.
const SHAPES = {
  string: { what: 'a string', ok: (v: unknown) => typeof v === 'string' },
  object: { what: 'an object', ok: (v: unknown) => v !== null && typeof v === 'object' && !Array.isArray(v) },
  array: { what: 'an array', ok: (v: unknown) => Array.isArray(v) },
  count: {
    what: 'a non-negative integer',
    ok: (v: unknown) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0
  }
} as const
type Shape = keyof typeof SHAPES

// What could not be mapped in one vendor record (spec section 5): such a record is still served,
// with the fields it affects left null, [] or unknown, and one entry per problem in
// `mapping_errors`. Absent and null vendor fields are not problems; a value of the wrong type is.
// Messages name the vendor field and its JSON type, never its value (it may be matched content;
// test/adapters/mapping-errors.test.ts).
export class MappingIssues {
  readonly list: Array<{ field: string, message: string }> = []

  // Records a problem when `value` is present but not of the expected shape; returns whether it is usable.
  check (record: Obj, vendorField: string, field: string, shape: Shape): boolean {
    const value = record[vendorField]
    if (value === undefined || value === null) return false
    if (SHAPES[shape].ok(value)) return true
    this.add(field, `vendor field '${vendorField}' is ${typeName(value)}, expected ${SHAPES[shape].what}`)
    return false
  }

  // The record's update time, or its creation time (with a problem recorded) when the vendor's
  // field is present but unreadable.
  updatedTime (record: Obj, vendorField: string, created: VendorTime): VendorTime {
    const value = record[vendorField]
    const updated = parseVendorTime(value)
    if (updated) return updated
    if (value !== undefined && value !== null) {
      this.add('updated_at', `vendor field '${vendorField}' is not a readable timestamp; created_at is shown instead`)
    }
    return created
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
