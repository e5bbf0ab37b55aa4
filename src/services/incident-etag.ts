import { createHmac, createSecretKey, randomBytes, type KeyObject } from 'node:crypto'
import { Incident, type IncidentT } from '../schemas/incident.ts'
import { lazySerializer } from '../schemas/serializer.ts'

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

// The vendor state as one canonical JSON text: the Incident schema with its properties sorted at
// every level and without the view's own, compiled on first use by the serializer the routes use.
// Each object's keys then come in one order whatever order it was built in (key order does not change a state),
// and what the schema does not declare, which the API never shows either, is left out. Compiled,
// it costs a few µs per incident; a sorted-key walk in JavaScript (and JSON.stringify with a key
// list, V8's slow path) cost 20-60 µs, ~8 % of a detail read's CPU (BENCHMARKS.md section 1).
function sortedSchema (schema: unknown, top = false): unknown {
  if (Array.isArray(schema)) return schema.map((s) => sortedSchema(s))
  if (!schema || typeof schema !== 'object') return schema
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(schema)) {
    if (key === '$id' || key === 'examples') continue
    if (key === 'properties') {
      const props = Object.entries(value as Record<string, unknown>)
        .filter(([name]) => !(top && VIEW_ONLY.has(name))).sort(([x], [y]) => x < y ? -1 : 1)
      out[key] = Object.fromEntries(props.map(([name, sub]) => [name, sortedSchema(sub)]))
    } else if (key === 'required' && top) {
      out[key] = (value as string[]).filter((name) => !VIEW_ONLY.has(name))
    } else {
      out[key] = sortedSchema(value)
    }
  }
  return out
}

export const stateText = lazySerializer<IncidentT>(sortedSchema(Incident, true), 'incident state')

export interface EtagOptions {
  secret?: string
  maxSnapshots?: number // states remembered for a 412's field names (default 2000, oldest dropped)
  // ... and at most this many characters of them (default 4 Mi, oldest dropped). A state holds every
  // field, notes and matches included, so it grows with its incident: by count alone, 2000 states of
  // incidents that keep gaining notes grew without limit (bench/soak.ts, docs/reliability.md).
  maxChars?: number
}

export class IncidentEtags {
  // A KeyObject made once: createHmac imports a Buffer or string key on every call (~20 µs more).
  readonly #key: KeyObject
  readonly #max: number
  // ETag -> the state text it names (and its incident's id), newest last: a 412 names the fields
  // that differ from the state the caller's ETag meant. In this process only: an ETag another
  // replica issued, or one issued before a restart, gives `fields: []` (documented), never a wrong list.
  readonly #states = new Map<string, { text: string, id: string }>()
  // The newest ETag issued for each incident id among those states: a read that finds the same
  // state again compares two texts instead of hashing one as a Map key (a few µs less per read).
  readonly #latest = new Map<string, string>()
  readonly #maxChars: number
  #chars = 0

  constructor (opts: EtagOptions = {}) {
    this.#key = createSecretKey(opts.secret === undefined ? randomBytes(32) : Buffer.from(opts.secret))
    this.#max = opts.maxSnapshots ?? 2000
    this.#maxChars = opts.maxChars ?? 4 * 1024 * 1024
  }

  // States remembered and their characters, for tests and the soak.
  usage (): { states: number, chars: number } {
    return { states: this.#states.size, chars: this.#chars }
  }

  of (incident: IncidentT): string {
    const state = stateText(incident)
    // A state read again (the common case: most reads find an incident unchanged) reuses the ETag
    // issued for the same text, which costs less than the HMAC (~8 % of a detail read each time).
    const last = this.#latest.get(incident.id)
    const etag = last !== undefined && this.#states.get(last)?.text === state ? last : this.#digest(state)
    this.#remember(etag, state, incident.id)
    return etag
  }

  #digest (state: string): string {
    return `"${createHmac('sha256', this.#key).update(state).digest('base64url').slice(0, 32)}"`
  }

  // Field names whose values differ between the state `etag` named and `current`; null when this
  // process does not know that state. Only a 412 asks, so the state is parsed back here, not kept parsed.
  differing (etag: string, current: IncidentT): string[] | null {
    const text = this.#states.get(etag)?.text
    if (text === undefined) return null
    // Both texts come from the one serializer, so equal values parse and print back alike.
    const before = JSON.parse(text) as Record<string, unknown>
    const now = JSON.parse(stateText(current)) as Record<string, unknown>
    const fields = new Set([...Object.keys(before), ...Object.keys(now)])
    return [...fields].filter((f) => JSON.stringify(before[f]) !== JSON.stringify(now[f])).sort()
  }

  #remember (etag: string, text: string, id: string): void {
    this.#forget(etag)
    this.#states.set(etag, { text, id })
    this.#latest.set(id, etag)
    this.#chars += text.length
    // A state larger than the whole bound is not kept either (its 412 says `fields: []`).
    while (this.#states.size > this.#max || this.#chars > this.#maxChars) {
      this.#forget(this.#states.keys().next().value!)
    }
  }

  #forget (etag: string): void {
    const state = this.#states.get(etag)
    if (state === undefined) return
    this.#states.delete(etag)
    if (this.#latest.get(state.id) === etag) this.#latest.delete(state.id)
    this.#chars -= state.text.length
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
