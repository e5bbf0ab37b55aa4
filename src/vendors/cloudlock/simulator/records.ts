// Validates native records from fixtures or POST /__sim/incidents and fills what is missing.
// Records are otherwise kept verbatim so a test can feed the gateway odd-but-real vendor data.
import { SimInputError } from '../../../sim-kit/sim-kit.ts'
import { formatTimestampUs, parseTimestampUs } from './time.ts'
import { isPlainObject, type NativeRecord } from './types.ts'

const ID = /^\d{1,20}$/

// Canonical numeric key, so "0320831601", "320831601" and 320831601 name the same incident.
export function idKey (id: string): string {
  return BigInt(id).toString()
}

export interface RecordContext {
  nowUs: number
  takenIds: Set<string> // id keys already in use; grows as ids are assigned
  nextId: () => string
  lenient?: boolean // keep malformed fields (odd vendor data for client tests); only the id is checked
}

// `where` names the record in messages: "record 3" in a batch, "patch" for PATCH /__sim/incidents/:id.
function fail (where: string, message: string): never {
  throw new SimInputError(`${where}: ${message}`)
}

function checkTimestamp (record: NativeRecord, key: string, where: string): void {
  const value = record[key]
  if (value === undefined) return
  if (typeof value !== 'string' || parseTimestampUs(value) === undefined) {
    fail(where, `"${key}" must be a timestamp such as 2024-03-05T10:15:30.123456+00:00`)
  }
}

function checkString (record: NativeRecord, key: string, where: string, nonEmpty: boolean): void {
  const value = record[key]
  if (value === undefined) return
  if (typeof value !== 'string' || (nonEmpty && value === '')) {
    fail(where, `"${key}" must be a ${nonEmpty ? 'non-empty ' : ''}string`)
  }
}

// Severity and status stay free strings: unmapped vendor values are a case the gateway must handle.
export function checkShapes (record: NativeRecord, where: string): void {
  if (typeof record.severity !== 'string' || record.severity === '') {
    fail(where, '"severity" is required (a non-empty string)')
  }
  checkString(record, 'incident_status', where, true)
  checkString(record, 'customer_key', where, false)
  checkTimestamp(record, 'created_at', where)
  checkTimestamp(record, 'updated_at', where)
  if (record.match_count !== undefined &&
    !(Number.isInteger(record.match_count) && (record.match_count as number) >= 0)) {
    fail(where, '"match_count" must be a non-negative integer')
  }
  if (record.matches !== undefined && !(Array.isArray(record.matches) && record.matches.every(isPlainObject))) {
    fail(where, '"matches" must be an array of objects')
  }
  for (const key of ['entity', 'policy']) {
    if (record[key] !== undefined && record[key] !== null && !isPlainObject(record[key])) {
      fail(where, `"${key}" must be an object`)
    }
  }
}

export function normalizeRecord (raw: unknown, position: number, ctx: RecordContext): NativeRecord {
  const where = `record ${position}`
  if (!isPlainObject(raw)) fail(where, 'must be a JSON object')
  const record = raw
  const id = record.id
  if (id !== undefined) {
    const valid = (typeof id === 'string' && ID.test(id)) ||
      (typeof id === 'number' && Number.isSafeInteger(id) && id >= 0)
    if (!valid) fail(where, '"id" must be a string of 1 to 20 digits (or a non-negative integer)')
    const key = idKey(String(id))
    if (ctx.takenIds.has(key)) fail(where, `duplicate id ${String(id)}`)
    ctx.takenIds.add(key)
  }
  if (!ctx.lenient) checkShapes(record, where)

  const missing: NativeRecord = {}
  if (id === undefined) missing.id = ctx.nextId()
  if (record.customer_key === undefined) missing.customer_key = ''
  if (record.incident_status === undefined) missing.incident_status = 'NEW'
  const createdAt = record.created_at ?? formatTimestampUs(ctx.nowUs)
  if (record.created_at === undefined) missing.created_at = createdAt
  if (record.updated_at === undefined) missing.updated_at = createdAt
  if (record.match_count === undefined) missing.match_count = Array.isArray(record.matches) ? record.matches.length : 0
  if (record.matches === undefined) missing.matches = []
  if (Object.keys(missing).length === 0) return structuredClone(record)

  // Something was filled in: lay the record out in the vendor's key order, extra keys after.
  const order = [
    'id', 'customer_key', 'incident_status', 'severity', 'created_at', 'updated_at', 'match_count', 'entity', 'policy',
    'matches'
  ]
  const out: NativeRecord = {}
  for (const key of order) {
    if (key in missing) out[key] = missing[key]
    else if (key in record) out[key] = structuredClone(record[key])
  }
  for (const [key, value] of Object.entries(record)) if (!(key in out)) out[key] = structuredClone(value)
  return out
}
