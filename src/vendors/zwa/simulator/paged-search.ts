// One search request against a snapshot: shared by incident search and audit-log search.
import { badRequest } from './errors.ts'
import { bodyDigest, readPageQuery, slicePage } from './paging.ts'
import type { PageLimits, Snapshots } from './paging.ts'
import type { Cursor } from './types.ts'

export type PageIdBodyPolicy = 'ignore' | 'reject'

export interface PagedSearch<T> {
  kind: string
  query: unknown
  body: unknown
  snapshots: Snapshots
  limits: PageLimits
  pageIdBody: PageIdBodyPolicy
  matchKeys: (body: unknown) => string[] // ordered keys of every match; validates the body
  resolve: (key: string) => T | undefined
}

export function pagedSearch<T> (s: PagedSearch<T>): { cursor: Cursor, items: T[] } {
  const query = readPageQuery(s.query, s.limits)
  const digest = bodyDigest(s.body)
  if (query.pageId !== undefined) {
    const snap = s.snapshots.get(query.pageId, s.kind)
    // By default the snapshot alone defines the result and the body is not read again.
    if (s.pageIdBody === 'reject' && snap.digest !== digest) {
      throw badRequest('Request body differs from the search that created this pageId')
    }
    return slicePage(snap.keys, query, query.pageId, s.resolve)
  }
  const keys = s.matchKeys(s.body)
  const pageId = s.snapshots.create(s.kind, keys, digest)
  return slicePage(keys, query, pageId, s.resolve)
}
