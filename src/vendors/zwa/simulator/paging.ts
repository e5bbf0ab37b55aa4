// page/pageSize/pageId paging (reference §4). The first search freezes the ordered list of matching
// ids under a new pageId; later requests with that pageId page through the frozen list, so paging stays
// stable while incidents arrive or change.
import { randomUUID } from 'node:crypto'
import type { Clock } from '../../../sim-kit/clock.ts'
import { badRequest } from './errors.ts'
import { isPlainObject } from './json.ts'
import type { Cursor } from './types.ts'

export interface PageLimits { defaultPageSize: number, maxPageSize: number, pageCap?: number }
export interface PageQuery { page: number, pageSize: number, pageId?: string }

function first (value: unknown): unknown {
  return Array.isArray(value) ? value[0] : value
}

function readInt (query: Record<string, unknown>, key: string, fallback: number, min: number, max: number): number {
  const raw = first(query[key])
  if (raw === undefined || raw === '') return fallback
  const n = typeof raw === 'string' && /^-?\d+$/.test(raw) ? Number(raw) : NaN
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw badRequest(`Query parameter "${key}" must be an integer from ${min} to ${max}`)
  }
  return n
}

export function readPageQuery (query: unknown, limits: PageLimits): PageQuery {
  const q = isPlainObject(query) ? query : {}
  const out: PageQuery = {
    page: readInt(q, 'page', 0, 0, Number.MAX_SAFE_INTEGER),
    pageSize: readInt(q, 'pageSize', limits.defaultPageSize, 1, limits.maxPageSize)
  }
  // A capping vendor pages by its own smaller size, whatever was asked.
  if (limits.pageCap !== undefined) out.pageSize = Math.min(out.pageSize, limits.pageCap)
  const pageId = first(q.pageId)
  if (typeof pageId === 'string' && pageId !== '') out.pageId = pageId
  return out
}

interface Snapshot { kind: string, keys: string[], digest: string, expiresAt: number }

export interface SnapshotOptions { clock: Clock, ttlSeconds: number, maxSnapshots?: number }

export class Snapshots {
  readonly #clock: Clock
  readonly #ttlMs: number
  readonly #max: number
  #byId = new Map<string, Snapshot>()

  constructor (opts: SnapshotOptions) {
    this.#clock = opts.clock
    this.#ttlMs = opts.ttlSeconds * 1000
    this.#max = opts.maxSnapshots ?? 1000
  }

  create (kind: string, keys: string[], digest: string): string {
    const now = this.#clock()
    for (const [id, snap] of this.#byId) if (snap.expiresAt <= now) this.#byId.delete(id)
    // Oldest first in a Map: drop from the front to bound memory.
    while (this.#byId.size >= this.#max) this.#byId.delete(this.#byId.keys().next().value as string)
    const pageId = randomUUID()
    this.#byId.set(pageId, { kind, keys, digest, expiresAt: now + this.#ttlMs })
    return pageId
  }

  // The TTL runs from creation: a walk must finish within pageIdTtlSeconds of its first page.
  get (pageId: string, kind: string): { keys: string[], digest: string } {
    const snap = this.#byId.get(pageId)
    if (snap === undefined || snap.kind !== kind) throw badRequest(`Invalid pageId: ${pageId}`)
    if (snap.expiresAt <= this.#clock()) {
      this.#byId.delete(pageId)
      throw badRequest(`pageId has expired: ${pageId}`)
    }
    return snap
  }

  clear (): void {
    this.#byId.clear()
  }
}

// Slices one page out of `keys`; `resolve` turns a key into an item or drops it (deleted meanwhile).
export function slicePage<T> (
  keys: string[], query: PageQuery, pageId: string | undefined, resolve: (key: string) => T | undefined
): { cursor: Cursor, items: T[] } {
  const start = query.page * query.pageSize
  const items: T[] = []
  for (const key of keys.slice(start, start + query.pageSize)) {
    const item = resolve(key)
    if (item !== undefined) items.push(item)
  }
  const cursor: Cursor = {
    totalPages: Math.ceil(keys.length / query.pageSize),
    currentPageNumber: query.page,
    currentPageSize: items.length,
    pageId,
    totalElements: keys.length
  }
  if (pageId === undefined) delete cursor.pageId
  return { cursor, items }
}

// A single-page cursor for lists without paging (transactions, tickets); the real sample has no pageId.
export function singlePageCursor (count: number): Cursor {
  return { totalPages: count === 0 ? 0 : 1, currentPageNumber: 0, currentPageSize: count, totalElements: count }
}

// Key-order independent text of a search body, to tell whether a pageId request changed its filters.
export function bodyDigest (body: unknown): string {
  const canon = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(canon)
    if (isPlainObject(value)) return Object.fromEntries(Object.keys(value).sort().map((k) => [k, canon(value[k])]))
    return value
  }
  return JSON.stringify(canon(body ?? null))
}
