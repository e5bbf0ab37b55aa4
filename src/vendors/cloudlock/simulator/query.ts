// Parses and validates GET /incidents query parameters (reference §4); bad values are 400s.
import { CloudlockHttpError } from './errors.ts'
import { parseTimestampUs } from './time.ts'
import { INCIDENT_STATUSES, ORDER_VALUES, SEVERITIES } from './types.ts'

export const DEFAULT_LIMIT = 20
export const MAX_LIMIT = 100

export interface QueryOptions {
  limitOverflow: 'clamp' | 'error'
  countTotalDefault: boolean
  multiValueFilters: 'literal' | 'comma'
  unknownParams: 'ignore' | 'error'
}

export type FilterName = 'severity' | 'incident_status' | 'policy_id' | 'incident_type' | 'vendor' | 'customer_key'
const FILTERS: readonly FilterName[] = [
  'severity', 'incident_status', 'policy_id', 'incident_type', 'vendor', 'customer_key'
]
const ENUMS: Partial<Record<FilterName, readonly string[]>> = {
  severity: SEVERITIES, incident_status: INCIDENT_STATUSES
}
const TIME_PARAMS = ['created_after', 'created_before', 'updated_after', 'updated_before'] as const
const OTHER_PARAMS = ['limit', 'offset', 'order', 'fields', 'flat', 'count_total']
const KNOWN = new Set<string>([...FILTERS, ...TIME_PARAMS, ...OTHER_PARAMS])

export interface ListQuery {
  limit: number
  offset: number
  filters: Partial<Record<FilterName, string[]>> // any listed value matches
  time: Partial<Record<typeof TIME_PARAMS[number], number>> // µs since epoch
  order: { field: 'created_at' | 'updated_at', descending: boolean }
  fields?: string[]
  flat: boolean
  countTotal: boolean
}

function bad (message: string): never {
  throw new CloudlockHttpError(400, message)
}

// A parameter repeated with the same value counts once (Cisco's Splunk app sends count_total=false
// twice on every poll, and the vendor serves it); repeats that disagree are refused rather than
// guessing which one the vendor would take.
function single (query: Record<string, unknown>, name: string): string | undefined {
  const value = query[name]
  if (value === undefined || typeof value === 'string') return value
  const values = Array.isArray(value) ? value : [value]
  if (values.every((v) => v === values[0]) && typeof values[0] === 'string') return values[0]
  return bad(`Query parameter "${name}" is repeated with different values; give it once`)
}

function parseCount (name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback
  if (!/^\d+$/.test(text)) bad(`Query parameter "${name}" must be a non-negative integer`)
  const value = Number(text)
  return Number.isSafeInteger(value) ? value : Number.MAX_SAFE_INTEGER
}

function parseBoolean (name: string, text: string | undefined, fallback: boolean): boolean {
  if (text === undefined) return fallback
  const lower = text.toLowerCase()
  if (lower === 'true') return true
  if (lower === 'false') return false
  return bad(`Query parameter "${name}" must be true or false`)
}

export function parseListQuery (query: Record<string, unknown>, opts: QueryOptions): ListQuery {
  if (opts.unknownParams === 'error') {
    for (const name of Object.keys(query)) if (!KNOWN.has(name)) bad(`Unknown query parameter "${name}"`)
  }

  let limit = parseCount('limit', single(query, 'limit'), DEFAULT_LIMIT)
  if (limit < 1) bad(`Query parameter "limit" must be between 1 and ${MAX_LIMIT}`)
  if (limit > MAX_LIMIT) {
    if (opts.limitOverflow === 'error') bad(`Query parameter "limit" must be between 1 and ${MAX_LIMIT}`)
    limit = MAX_LIMIT
  }
  const offset = parseCount('offset', single(query, 'offset'), 0)

  const filters: ListQuery['filters'] = {}
  for (const name of FILTERS) {
    const text = single(query, name)
    if (text === undefined) continue
    const values = opts.multiValueFilters === 'comma' ? text.split(',') : [text]
    const allowed = ENUMS[name]
    for (const value of values) {
      if (allowed !== undefined && !allowed.includes(value)) {
        bad(`Invalid value "${value}" for "${name}"; expected one of ${allowed.join(', ')}`)
      }
    }
    filters[name] = values
  }

  const time: ListQuery['time'] = {}
  for (const name of TIME_PARAMS) {
    const text = single(query, name)
    if (text === undefined) continue
    const us = parseTimestampUs(text)
    if (us === undefined) {
      bad(`Invalid date "${text}" for "${name}"; use e.g. 2021-01-18T16:55 or 2021-01-18 16:55:07.123456`)
    }
    time[name] = us
  }

  const orderText = single(query, 'order') ?? 'created_at'
  if (!(ORDER_VALUES as readonly string[]).includes(orderText)) {
    bad(`Invalid "order" ${orderText}; expected one of ${ORDER_VALUES.join(', ')}`)
  }
  const descending = orderText.startsWith('-')
  const order = { field: (descending ? orderText.slice(1) : orderText) as 'created_at' | 'updated_at', descending }

  let fields: string[] | undefined
  const fieldsText = single(query, 'fields')
  if (fieldsText !== undefined) {
    fields = fieldsText.split(',').map((f) => f.trim()).filter((f) => f !== '')
    if (fields.length === 0) bad('Query parameter "fields" must name at least one field')
  }

  return {
    limit,
    offset,
    filters,
    time,
    order,
    fields,
    flat: parseBoolean('flat', single(query, 'flat'), false),
    countTotal: parseBoolean('count_total', single(query, 'count_total'), opts.countTotalDefault)
  }
}
