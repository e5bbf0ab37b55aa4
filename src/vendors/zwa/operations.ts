// Each ZWA incident-API request, named for metrics, weighed for the vendor's rate limits
// (reference §5: light = 30/min and 1000/h, medium = 20/min and 400/h) and marked idempotent
// when repeating it cannot change anything upstream (reads and searches, POST or not).
export interface ZwaOperation {
  operation: string // one of OPERATIONS.zwa in src/observability/upstream-targets.ts
  cls: 'light' | 'medium'
  idempotent: boolean
}

const SUB: Record<string, ZwaOperation> = {
  'GET change-history': { operation: 'change_history', cls: 'light', idempotent: true },
  'GET evidence': { operation: 'evidence', cls: 'light', idempotent: true },
  'GET triggers': { operation: 'triggers', cls: 'light', idempotent: true },
  'GET tickets': { operation: 'tickets', cls: 'light', idempotent: true },
  'POST close': { operation: 'close', cls: 'light', idempotent: false },
  'POST notes': { operation: 'notes', cls: 'medium', idempotent: false },
  'POST labels': { operation: 'labels', cls: 'medium', idempotent: false },
  'POST incident-groups/search': { operation: 'groups', cls: 'medium', idempotent: true }
}

// `rest` is the path below the configured prefix, e.g. /incidents/search.
export function zwaOperation (method: string, rest: string): ZwaOperation {
  const m = /^\/incidents\/([^/]+)(?:\/(.+))?$/.exec(rest)
  const write = { operation: 'other', cls: 'light', idempotent: false } as const
  if (!m) return write
  const [, first, sub] = m
  if (sub === undefined) {
    if (first === 'search' && method === 'POST') return { operation: 'search', cls: 'medium', idempotent: true }
    if (method === 'GET') return { operation: 'details', cls: 'light', idempotent: true }
    return write // DELETE
  }
  if (first === 'transactions' && method === 'GET') return { operation: 'transactions', cls: 'light', idempotent: true }
  return SUB[`${method} ${sub}`] ?? write
}
