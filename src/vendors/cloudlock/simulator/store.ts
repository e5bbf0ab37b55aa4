// In-memory incident store: PUTs persist, /__sim/incidents adds, PATCH and DELETE /__sim/incidents/:id
// change and remove, reset restores the seeded state.
import type { Clock } from '../../../sim-kit/clock.ts'
import { SimInputError } from '../../../sim-kit/sim-input-error.ts'
import { POLICIES } from './catalogue.ts'
import { checkShapes, idKey, normalizeRecord, type RecordContext } from './records.ts'
import { formatClockMs, parseTimestampUs } from './time.ts'
import { isPlainObject, type NativeRecord } from './types.ts'

export interface StoredIncident {
  record: NativeRecord // exactly what the API returns
  key: string // canonical numeric id
  idNum: bigint
  createdUs: number
  updatedUs: number
  incidentType: string
  vendor: string | undefined
  policyId: unknown
}

export interface IncidentPatch {
  incident_status?: string
  severity?: string
  customer_key?: string
}

const POLICY_TYPES = new Map<string, string>()
for (const policy of POLICIES) {
  POLICY_TYPES.set(`id:${policy.id}`, policy.incidentType)
  POLICY_TYPES.set(`name:${policy.name}`, policy.incidentType)
}

// The incident schema has no type field: a record may carry `incident_type` (fixtures), else the
// type comes from the policy catalogue (by id, then by name), else COMPLIANCE.
function incidentTypeOf (record: NativeRecord): string {
  if (typeof record.incident_type === 'string') return record.incident_type
  const policy = isPlainObject(record.policy) ? record.policy : {}
  if (typeof policy.id === 'string' && policy.id !== '') {
    const byId = POLICY_TYPES.get(`id:${policy.id}`)
    if (byId !== undefined) return byId
  }
  return POLICY_TYPES.get(`name:${String(policy.name)}`) ?? 'COMPLIANCE'
}

function toStored (record: NativeRecord): StoredIncident {
  const key = idKey(String(record.id))
  const entity = isPlainObject(record.entity) ? record.entity : {}
  const vendor = isPlainObject(entity.vendor) && typeof entity.vendor.name === 'string' ? entity.vendor.name : undefined
  return {
    record,
    key,
    idNum: BigInt(key),
    createdUs: parseTimestampUs(String(record.created_at)) ?? 0,
    updatedUs: parseTimestampUs(String(record.updated_at)) ?? 0,
    incidentType: incidentTypeOf(record),
    vendor,
    policyId: isPlainObject(record.policy) ? record.policy.id : undefined
  }
}

export class IncidentStore {
  readonly #clock: Clock
  #initial: NativeRecord[]
  #entries: StoredIncident[] = []
  #byKey = new Map<string, StoredIncident>()
  // Highest id ever stored since the last reset: assigned ids stay above it, so an id freed by a
  // delete is never handed to a new incident (test/simulators/cloudlock/console.test.ts).
  #highWater = 0n

  readonly #lenient: boolean

  constructor (records: unknown[], clock: Clock, lenient = false) {
    this.#clock = clock
    this.#lenient = lenient
    this.#initial = this.#normalize(records)
    this.reset()
  }

  // All or nothing: one bad record rejects the whole batch. Ids are assigned above every id in use
  // and every explicit id of the batch, so an assigned id never collides with a later explicit one
  // (test/vendors/cloudlock-sim-ids.test.ts; all or nothing: test/simulators/cloudlock/fixtures-admin.test.ts).
  #normalize (records: unknown[]): NativeRecord[] {
    let next = this.#highWater
    for (const r of records) {
      if (isPlainObject(r) && (typeof r.id === 'string' || typeof r.id === 'number') &&
        /^\d{1,20}$/.test(String(r.id))) {
        const explicit = BigInt(String(r.id))
        if (explicit > next) next = explicit
      }
    }
    const ctx: RecordContext = {
      nowUs: Math.round(this.#clock()) * 1000,
      takenIds: new Set(this.#byKey.keys()),
      nextId: () => (++next).toString(),
      lenient: this.#lenient
    }
    return records.map((raw, index) => normalizeRecord(raw, index, ctx))
  }

  #insert (record: NativeRecord): StoredIncident {
    const stored = toStored(record)
    this.#entries.push(stored)
    this.#byKey.set(stored.key, stored)
    if (stored.idNum > this.#highWater) this.#highWater = stored.idNum
    return stored
  }

  all (): readonly StoredIncident[] {
    return this.#entries
  }

  get (key: string): StoredIncident | undefined {
    return this.#byKey.get(key)
  }

  add (records: unknown[]): { added: number, ids: string[] } {
    const normalized = this.#normalize(records)
    const ids = normalized.map((record) => String(this.#insert(record).record.id))
    return { added: ids.length, ids }
  }

  // Any accepted PUT moves updated_at to the clock's now (µs precision, +00:00).
  update (key: string, patch: IncidentPatch): NativeRecord | undefined {
    const stored = this.#byKey.get(key)
    if (stored === undefined) return undefined
    for (const [field, value] of Object.entries(patch)) stored.record[field] = value
    const now = Math.round(this.#clock())
    stored.record.updated_at = formatClockMs(now)
    stored.updatedUs = now * 1000
    return stored.record
  }

  // PATCH /__sim/incidents/:id: a shallow merge of native fields (nested objects replaced whole);
  // updated_at becomes the clock's now unless the patch sets it. The merged record must pass the
  // checks of added records (unless lenient), or nothing changes. undefined: no such incident.
  patch (key: string, fields: NativeRecord): NativeRecord | undefined {
    const stored = this.#byKey.get(key)
    if (stored === undefined) return undefined
    if ('id' in fields) {
      const id = fields.id
      const digits = typeof id === 'number' && Number.isSafeInteger(id) ? String(id) : id
      if (typeof digits !== 'string' || !/^\d{1,20}$/.test(digits) || idKey(digits) !== key) {
        throw new SimInputError('patch: "id" cannot change')
      }
    }
    const merged: NativeRecord = { ...stored.record, ...structuredClone(fields) }
    if (fields.updated_at === undefined) merged.updated_at = formatClockMs(Math.round(this.#clock()))
    if (!this.#lenient) checkShapes(merged, 'patch')
    // The same entry object, updated: the incident keeps its place among equal timestamps.
    Object.assign(stored, toStored(merged))
    return merged
  }

  delete (key: string): boolean {
    const stored = this.#byKey.get(key)
    if (stored === undefined) return false
    this.#byKey.delete(key)
    this.#entries = this.#entries.filter((e) => e !== stored)
    return true
  }

  reset (): void {
    this.#entries = []
    this.#byKey = new Map()
    this.#highWater = 0n
    for (const record of this.#initial) this.#insert(structuredClone(record))
  }
}
