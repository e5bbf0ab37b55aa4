// The {fields, timeRange} body shared by incident search and audit search. Entries are OR within a
// field and AND across fields; timeRange is [startTime, endTime) on the record's timestamp.
import { badRequest } from './errors.ts'
import { integerText, isPlainObject } from './json.ts'
import { parseIso } from './time.ts'

export interface FilterOptions { caseSensitive: boolean }

// How one filter name reads a record: either a list of strings compared with the wanted values, or a
// custom test that receives the raw `value` array (labels, group ids).
export type FieldReader<T> =
  | { kind: 'strings', read: (record: T) => unknown[] }
  | { kind: 'custom', compile: (values: unknown[], opts: FilterOptions, name: string) => (record: T) => boolean }

export interface FilterTable<T> {
  fields: Record<string, FieldReader<T>>
  timestamp: (record: T) => string | null | undefined
}

export type Predicate<T> = (record: T) => boolean

export function normalizer (opts: FilterOptions): (text: string) => string {
  return opts.caseSensitive ? (text) => text : (text) => text.toLowerCase()
}

// Strings, and numbers written as such, are what the backend would accept for a string field.
function scalarText (value: unknown, name: string): string {
  if (typeof value === 'string') return value
  if (typeof value === 'number' || integerText(value) !== undefined) return integerText(value) ?? String(value)
  throw badRequest(`Filter "${name}" takes string values`)
}

export function compileFilters<T> (body: unknown, table: FilterTable<T>, opts: FilterOptions): Predicate<T> {
  if (body === undefined || body === null) return () => true
  if (!isPlainObject(body)) throw badRequest('Request body must be a JSON object')
  const tests: Array<Predicate<T>> = []
  const names = new Map(Object.keys(table.fields).map((n) => [n.toLowerCase(), n]))

  if (body.fields !== undefined && body.fields !== null) {
    if (!Array.isArray(body.fields)) throw badRequest('"fields" must be an array of {name, value}')
    for (const field of body.fields) {
      if (!isPlainObject(field) || typeof field.name !== 'string') {
        throw badRequest('Each entry of "fields" needs a string "name"')
      }
      const name = names.get(field.name.toLowerCase())
      if (name === undefined) {
        throw badRequest(`Unknown filter field "${field.name}"; supported: ${Object.keys(table.fields).join(', ')}`)
      }
      if (!Array.isArray(field.value)) throw badRequest(`Filter "${field.name}" needs a "value" array`)
      // An empty value list constrains nothing, like an unset filter in the portal.
      if (field.value.length === 0) continue
      tests.push(compileField(table.fields[name], field.value, opts, name))
    }
  }
  const range = readTimeRange(body.timeRange)
  if (range !== undefined) {
    tests.push((record) => {
      const at = parseIso(table.timestamp(record))
      return at !== undefined && (range.start === undefined || at >= range.start) &&
        (range.end === undefined || at < range.end)
    })
  }
  return (record) => tests.every((test) => test(record))
}

function compileField<T> (reader: FieldReader<T>, values: unknown[], opts: FilterOptions, name: string): Predicate<T> {
  if (reader.kind === 'custom') return reader.compile(values, opts, name)
  const norm = normalizer(opts)
  const wanted = new Set(values.map((v) => norm(scalarText(v, name))))
  return (record) => reader.read(record).some((v) => typeof v === 'string' && wanted.has(norm(v)))
}

function readTimeRange (value: unknown): { start?: number, end?: number } | undefined {
  if (value === undefined || value === null) return undefined
  if (!isPlainObject(value)) throw badRequest('"timeRange" must be an object with startTime and endTime')
  const out: { start?: number, end?: number } = {}
  for (const [key, slot] of [['startTime', 'start'], ['endTime', 'end']] as const) {
    const text = value[key]
    if (text === undefined || text === null || text === '') continue
    const ms = parseIso(text)
    if (ms === undefined) {
      throw badRequest(`"timeRange.${key}" must be an ISO-8601 date-time such as 2025-03-03T18:04:52.074Z`)
    }
    out[slot] = ms
  }
  if (out.start !== undefined && out.end !== undefined && out.start > out.end) {
    throw badRequest('"timeRange.startTime" must not be after "timeRange.endTime"')
  }
  return out
}
