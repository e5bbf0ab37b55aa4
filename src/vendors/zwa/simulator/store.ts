// In-memory incidents, their change history, the audit log and the incident-group catalogue.
import type { Clock } from '../../../sim-kit/clock.ts'
import { SimInputError } from '../../../sim-kit/sim-kit.ts'
import { createRng } from '../../../sim-kit/random.ts'
import type { Rng } from '../../../sim-kit/random.ts'
import { GROUPS } from './catalog.ts'
import { deriveHistory } from './derive.ts'
import { generateIncidents } from './generate.ts'
import { cloneJson, integerText, isPlainObject } from './json.ts'
import type { AuditLog, ChangeEntry, GroupLong, Incident } from './types.ts'
import { validateRecord } from './validate.ts'

export interface StoreOptions {
  seed: number | string
  count: number
  anchor?: string
  incidents?: unknown[] // native records replacing the generated ones
  clock: Clock
}

export interface AuditEntry { seq: number, log: AuditLog }

export class ZwaStore {
  readonly seed: number | string
  readonly #clock: Clock
  readonly #seeded: Incident[]
  #incidents = new Map<string, Incident>()
  #history = new Map<string, ChangeEntry[]>()
  #groups = new Map<string, GroupLong>()
  #audit: AuditEntry[] = []
  #auditSeq = 0
  #rng: Rng

  constructor (opts: StoreOptions) {
    this.seed = opts.seed
    this.#clock = opts.clock
    this.#rng = createRng(`zwa:${opts.seed}:fresh`)
    if (opts.incidents === undefined) {
      this.#seeded = generateIncidents({ seed: opts.seed, count: opts.count, anchor: opts.anchor })
    } else {
      // Fixtures are checked once, at start-up, with the same rules as POST /__sim/incidents.
      this.#seeded = this.#validate(opts.incidents, new Set())
    }
    this.reset()
  }

  reset (): void {
    this.#incidents = new Map()
    this.#history = new Map()
    this.#groups = new Map(GROUPS.map((g) => [integerText(g.id) as string, g]))
    this.#audit = []
    this.#auditSeq = 0
    this.#rng = createRng(`zwa:${this.seed}:fresh`)
    for (const incident of cloneJson(this.#seeded)) this.#insert(incident)
  }

  get (id: string): Incident | undefined {
    return this.#incidents.get(id)
  }

  all (): IterableIterator<Incident> {
    return this.#incidents.values()
  }

  byTransaction (transactionId: string): Incident[] {
    return [...this.#incidents.values()].filter((i) => i.transactionId === transactionId)
  }

  history (id: string): ChangeEntry[] {
    return this.#history.get(id) ?? []
  }

  recordChange (id: string, entry: ChangeEntry): void {
    this.#history.get(id)?.push(entry)
  }

  group (idText: string): GroupLong | undefined {
    return this.#groups.get(idText)
  }

  // Swaps in a changed version of a stored incident (already validated), keeping its place in the
  // store's order; groups it newly names join the catalogue.
  replace (incident: Incident): void {
    if (!this.#incidents.has(incident.internalId)) throw new RangeError(`no incident ${incident.internalId}`)
    this.#incidents.set(incident.internalId, incident)
    this.#learnGroups(incident)
  }

  delete (id: string): Incident | undefined {
    const incident = this.#incidents.get(id)
    this.#incidents.delete(id)
    this.#history.delete(id)
    return incident
  }

  recordAudit (log: AuditLog): void {
    this.#audit.push({ seq: ++this.#auditSeq, log })
  }

  auditEntries (): readonly AuditEntry[] {
    return this.#audit
  }

  // Adds native records as new incidents: all or nothing, ids must be new.
  add (records: unknown[]): { added: number, ids: string[] } {
    const incidents = this.#validate(records, new Set(this.#incidents.keys()))
    for (const incident of incidents) this.#insert(incident)
    return { added: incidents.length, ids: incidents.map((i) => i.internalId) }
  }

  #validate (records: unknown[], taken: Set<string>): Incident[] {
    const now = this.#clock()
    const out: Incident[] = []
    records.forEach((raw, index) => {
      const incident = validateRecord(raw, index, {
        now,
        freshTransactionId: () => this.#freshTransactionId(now, taken),
        freshInternalId: (tx) => this.#freshInternalId(tx, taken)
      })
      if (taken.has(incident.internalId)) {
        throw new SimInputError(`incident [${index}]: internalId ${incident.internalId} already exists`)
      }
      taken.add(incident.internalId)
      out.push(cloneJson(incident))
    })
    return out
  }

  // Same shape as real ids: creation epoch milliseconds followed by seven digits, used by no incident
  // already stored or earlier in the same batch.
  #freshTransactionId (now: number, taken: Set<string>): string {
    let id = `${now}${this.#rng.digits(7)}`
    while ([...taken].some((t) => t.endsWith(id)) || this.byTransaction(id).length > 0) {
      id = `${now}${this.#rng.digits(7)}`
    }
    return id
  }

  #freshInternalId (transactionId: string, taken: Set<string>): string {
    let id = `1-143-${transactionId}`
    while (taken.has(id) || this.#incidents.has(id)) {
      id = `1-152-${this.#rng.alnum(4).toUpperCase()}-${transactionId}`
    }
    return id
  }

  #insert (incident: Incident): void {
    this.#incidents.set(incident.internalId, incident)
    this.#history.set(incident.internalId, deriveHistory(incident))
    this.#learnGroups(incident)
  }

  // Records may name groups the catalogue lacks; they join it with neutral long-form defaults.
  #learnGroups (incident: Incident): void {
    const short = new Map<string, Record<string, unknown>>()
    for (const g of incident.incidentGroups ?? []) {
      const key = integerText(g.id)
      if (key !== undefined && isPlainObject(g)) short.set(key, g as unknown as Record<string, unknown>)
    }
    const ids = [...(incident.incidentGroupIds ?? []), ...(incident.incidentGroups ?? []).map((g) => g.id)]
    for (const id of ids) {
      const key = integerText(id)
      if (key === undefined || this.#groups.has(key)) continue
      const s = short.get(key)
      this.#groups.set(key, {
        id,
        name: typeof s?.name === 'string' ? s.name : `Group ${key}`,
        description: typeof s?.description === 'string' ? s.description : '',
        status: 'ACTIVE',
        incidentGroupType: 'DLP',
        isDLPIncidentGroupAlreadyMapped: false,
        isDLPAdminConfigAlreadyMapped: false
      })
    }
  }
}
