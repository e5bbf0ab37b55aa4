import { parseVendorTime } from '../mapping/timestamps.ts'
import type { IncidentT } from '../schemas/incident.ts'

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

  // Records a problem when `value` (the record's `vendorField`) is present but not of the expected
  // shape; returns whether it is usable. Callers read the field themselves: a named read at each
  // call site is cheaper than one shared keyed read over every field name, on every list record.
  check (value: unknown, vendorField: string, field: string, shape: Shape): boolean {
    if (value === undefined || value === null) return false
    if (SHAPES[shape].ok(value)) return true
    this.add(field, `vendor field '${vendorField}' is ${typeName(value)}, expected ${SHAPES[shape].what}`)
    return false
  }

  // The record's update time (`value`, its `vendorField`), or its creation time (with a problem
  // recorded) when the vendor's field is present but unreadable.
  updatedTime (value: unknown, vendorField: string, created: VendorTime): VendorTime {
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

  // The incident as built when nothing went wrong (no copy: the common case of a list page);
  // otherwise with `mapping_errors` added just before `raw`, where a spread of `field` puts it.
  into (incident: IncidentT): IncidentT {
    if (this.list.length === 0) return incident
    const { raw, ...rest } = incident
    return raw === undefined ? { ...rest, mapping_errors: this.list } : { ...rest, mapping_errors: this.list, raw }
  }
}

function typeName (value: unknown): string {
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'string') return 'a string'
  if (typeof value === 'object') return 'an object'
  return `a ${typeof value}`
}
