import { createHmac, randomBytes } from 'node:crypto'
import type { IncidentT } from '../schemas/incident.ts'

// Strong ETags of incidents (spec section 11; docs/writes.md). An ETag names the vendor's state of
// one incident: every field of the normalized incident the vendor owns, that is all of them but the
// view's own (`raw`, present only with include=raw, and `content_withheld`, which depends on the
// caller's scope). It is computed before the caller's view is applied, so two keys with different
// evidence scopes see the same ETag for the same state. Any vendor write moves `updated_at`, so a
// vendor field outside the normalized model that changes with a write changes the ETag too.
//
// An HMAC, not a plain hash: the state includes matched content a key without evidence:read never
// sees, and a plain SHA-256 of an otherwise known incident would let it confirm a guess of that
// content offline. The key is the cursor secret, which every replica shares; without one (a single
// instance) a random key per process, so ETags change at a restart (a spurious 412, never a lost update).

const VIEW_ONLY = new Set(['raw', 'content_withheld'])

// Key order does not change a state, so objects are written with sorted keys.
function canonical (value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
  if (value && typeof value === 'object') {
    const object = value as Record<string, unknown>
    return `{${Object.keys(object).filter((k) => object[k] !== undefined).sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(object[k])}`).join(',')}}`
  }
  return JSON.stringify(value) ?? 'null'
}

// The vendor-owned fields of an incident, each as canonical JSON: what ETags hash and 412s compare.
export function vendorState (incident: IncidentT): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [field, value] of Object.entries(incident)) {
    if (!VIEW_ONLY.has(field) && value !== undefined) out[field] = canonical(value)
  }
  return out
}

export interface EtagOptions {
  secret?: string
  maxSnapshots?: number // states remembered for a 412's field names (default 2000, oldest dropped)
  // ... and at most this many characters of them (default 4 Mi, oldest dropped). A state holds every
  // field, notes and matches included, so it grows with its incident: by count alone, 2000 states of
  // incidents that keep gaining notes grew without limit (bench/soak.ts, docs/reliability.md).
  maxChars?: number
}

interface State { fields: Record<string, string>, chars: number }

export class IncidentEtags {
  readonly #key: Buffer | string
  readonly #max: number
  // ETag -> the state it names, newest last: a 412 names the fields that differ from the state the
  // caller's ETag meant. In this process only: an ETag another replica issued, or one issued before
  // a restart, gives `fields: []` (documented), never a wrong list.
  readonly #states = new Map<string, State>()
  readonly #maxChars: number
  #chars = 0

  constructor (opts: EtagOptions = {}) {
    this.#key = opts.secret ?? randomBytes(32)
    this.#max = opts.maxSnapshots ?? 2000
    this.#maxChars = opts.maxChars ?? 4 * 1024 * 1024
  }

  // States remembered and their characters, for tests and the soak.
  usage (): { states: number, chars: number } {
    return { states: this.#states.size, chars: this.#chars }
  }

  of (incident: IncidentT): string {
    const state = vendorState(incident)
    const digest = createHmac('sha256', this.#key).update(canonical(state)).digest('base64url')
    const etag = `"${digest.slice(0, 32)}"`
    this.#remember(etag, state)
    return etag
  }

  // Field names whose values differ between the state `etag` named and `current`; null when this
  // process does not know that state.
  differing (etag: string, current: IncidentT): string[] | null {
    const before = this.#states.get(etag)?.fields
    if (!before) return null
    const now = vendorState(current)
    const fields = new Set([...Object.keys(before), ...Object.keys(now)])
    return [...fields].filter((f) => before[f] !== now[f]).sort()
  }

  #remember (etag: string, fields: Record<string, string>): void {
    this.#forget(etag)
    let chars = 0
    for (const field in fields) chars += field.length + fields[field].length
    this.#states.set(etag, { fields, chars })
    this.#chars += chars
    // A state larger than the whole bound is not kept either (its 412 says `fields: []`).
    while (this.#states.size > this.#max || this.#chars > this.#maxChars) {
      this.#forget(this.#states.keys().next().value!)
    }
  }

  #forget (etag: string): void {
    const state = this.#states.get(etag)
    if (!state) return
    this.#states.delete(etag)
    this.#chars -= state.chars
  }
}

// RFC 9110 section 13.1: If-Match uses the strong comparison, If-None-Match the weak one; `*`
// matches any current representation. Malformed members never match.
const ENTITY_TAG = /^\s*(W\/)?("[\x21\x23-\x7e\x80-\xff]*")\s*$/

function members (header: string): Array<{ weak: boolean, tag: string }> | '*' {
  if (header.trim() === '*') return '*'
  const out: Array<{ weak: boolean, tag: string }> = []
  for (const part of header.split(',')) {
    const m = ENTITY_TAG.exec(part)
    if (m) out.push({ weak: m[1] !== undefined, tag: m[2] })
  }
  return out
}

export function ifNoneMatchHits (header: string, etag: string): boolean {
  const list = members(header)
  return list === '*' || list.some((m) => m.tag === etag)
}

export function ifMatchHolds (header: string, etag: string): boolean {
  const list = members(header)
  return list === '*' || list.some((m) => !m.weak && m.tag === etag)
}

// The first entity tag named (a 412 compares against it for the field names).
export function firstTag (header: string): string | null {
  const list = members(header)
  return list === '*' ? null : list.find((m) => !m.weak)?.tag ?? null
}
