import type { ZwaLimits } from './stack.ts'

// Sync's share of the ZWA rate budget, checked on the simulator's request log: sync requests are
// the ones without x-request-id (every interactive call carries its request's id).

export interface LoggedRequest {
  method: string
  path: string
  headers: Record<string, string>
  status: number | null
  at: string
}

type RateClass = keyof ZwaLimits

// The simulator's classes (reference §5): GETs, DELETE and close are light; search, notes, labels
// and group search medium; the API-key token endpoint its own.
export function rateClass (r: Pick<LoggedRequest, 'method' | 'path'>): RateClass {
  if (r.path === '/v1/auth/api-key/token') return 'token'
  if (r.method === 'GET' || r.method === 'DELETE' || r.path.endsWith('/close')) return 'light'
  return 'medium'
}

export const isSync = (r: LoggedRequest): boolean => r.headers['x-request-id'] === undefined

// The most requests inside any window of `ms` (from one request's arrival, inclusive, to `ms` later,
// exclusive), by arrival time on the simulator clock.
export function busiestWindow (requests: LoggedRequest[], ms: number): number {
  const times = requests.map((r) => Date.parse(r.at)).sort((a, b) => a - b)
  let best = 0
  let end = 0
  for (let start = 0; start < times.length; start++) {
    while (end < times.length && times[end] < times[start] + ms) end++
    best = Math.max(best, end - start)
  }
  return best
}

export interface BudgetReport {
  problems: string[]
  busiest: Record<string, { minute: number, hour: number, minuteShare: number, hourShare: number }>
}

// Sync requests of each class within floor(limit x share) in every minute and hour (token requests
// are taken for the whole process, not for sync: they only need the main budget), every class
// within its limit, and no 429.
export function budgetReport (log: LoggedRequest[], limits: ZwaLimits, share: number): BudgetReport {
  const problems: string[] = []
  const busiest: BudgetReport['busiest'] = {}
  for (const r of log) {
    if (r.status === 429) problems.push(`${r.method} ${r.path} at ${r.at} was answered 429`)
  }
  // Every request of a class (sync and interactive) within the limit: the main budget.
  for (const cls of ['light', 'medium', 'token'] as const) {
    const all = log.filter((r) => rateClass(r) === cls)
    const minute = busiestWindow(all, 60_000)
    const hour = busiestWindow(all, 3_600_000)
    if (minute > limits[cls].perMinute) problems.push(`${minute} ${cls} requests in one minute, limit ${limits[cls].perMinute}`)
    if (hour > limits[cls].perHour) problems.push(`${hour} ${cls} requests in one hour, limit ${limits[cls].perHour}`)
  }
  for (const cls of ['light', 'medium'] as const) {
    const sync = log.filter((r) => isSync(r) && rateClass(r) === cls)
    const minuteShare = Math.max(1, Math.floor(limits[cls].perMinute * share))
    const hourShare = Math.max(1, Math.floor(limits[cls].perHour * share))
    const minute = busiestWindow(sync, 60_000)
    const hour = busiestWindow(sync, 3_600_000)
    busiest[cls] = { minute, hour, minuteShare, hourShare }
    if (minute > minuteShare) problems.push(`${minute} sync ${cls} requests in one minute, share ${minuteShare}`)
    if (hour > hourShare) problems.push(`${hour} sync ${cls} requests in one hour, share ${hourShare}`)
  }
  return { problems, busiest }
}
