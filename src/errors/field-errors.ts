import { CLIENT_TIME_RULE } from '../mapping/timestamps.ts'
import { INCIDENT_ID_PATTERN, PROVIDER_ID_PATTERN } from '../schemas/enums.ts'
import type { FieldErrorT } from '../schemas/problem.ts'

export interface AjvIssue {
  instancePath?: string
  keyword?: string
  message?: string
  params?: Record<string, unknown>
  data?: unknown // present with ajv's verbose option (query, path and header validation)
}

const PARTS: Record<string, string> = { querystring: 'query', body: 'body', params: 'path', headers: 'headers' }

// What a pattern means, in words; a pattern not listed here is quoted as it is.
const PATTERN_HINTS: Record<string, string> = {
  [INCIDENT_ID_PATTERN]: 'must be <provider id>:<native id>, ' +
    'e.g. cloudlock:320831601 or zwa:1-152-DFZG-17410647793298599936 ' +
    '(a ZWA native id is 1 to 64 letters, digits or -; a Cloudlock one 1 to 20 digits)',
  [PROVIDER_ID_PATTERN]: 'must be a provider id: a lowercase letter, then up to 31 lowercase letters, digits or -',
  '^[A-Za-z0-9-]+$': 'must be letters, digits or -',
  '^[\\x21-\\x7e]+$': 'must be visible ASCII characters without spaces',
  '^[^:]{1,256}:.{0,1024}$': 'must be key:value (a key of 1 to 256 characters without a colon, a colon, then the value)'
}

const FORMAT_HINTS: Record<string, string> = {
  'date-time': CLIENT_TIME_RULE,
  date: 'must be an RFC 3339 date such as 2025-01-31',
  uri: 'must be an absolute URI such as https://example.com/x',
  email: 'must be an email address'
}

const TYPE_WORDS: Record<string, string> = {
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'true or false',
  object: 'a JSON object',
  array: 'an array',
  null: 'null'
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`
const quoted = (v: unknown) => (typeof v === 'string' ? `'${v.slice(0, 40)}'` : JSON.stringify(v))

// ajv's message for one failed keyword, rewritten to name what is allowed.
function describe (keyword: string | undefined, params: Record<string, unknown>, fallback: string): string {
  switch (keyword) {
    case 'enum': return `must be one of: ${(params.allowedValues as unknown[] ?? []).join(', ')}`
    case 'const': return `must be ${quoted(params.allowedValue)}`
    case 'format': return FORMAT_HINTS[String(params.format)] ?? `must be a valid ${String(params.format)}`
    case 'pattern': return PATTERN_HINTS[String(params.pattern)] ?? `must match the pattern ${String(params.pattern)}`
    case 'minimum': return `must be at least ${String(params.limit)}`
    case 'maximum': return `must be at most ${String(params.limit)}`
    case 'exclusiveMinimum': return `must be greater than ${String(params.limit)}`
    case 'exclusiveMaximum': return `must be less than ${String(params.limit)}`
    case 'minLength': return params.limit === 1
      ? 'must not be empty'
      : `must be at least ${plural(Number(params.limit), 'character')} long`
    case 'maxLength': return `must be at most ${plural(Number(params.limit), 'character')} long`
    case 'minItems': return `must have at least ${plural(Number(params.limit), 'entry').replace('entrys', 'entries')}`
    case 'maxItems': return `must have at most ${plural(Number(params.limit), 'entry').replace('entrys', 'entries')}`
    case 'minProperties': return `must have at least ${plural(Number(params.limit), 'field')}`
    case 'uniqueItems': return 'must not repeat an entry'
    case 'additionalProperties': return 'is not a known field'
    case 'required': return 'is required'
    default: return fallback
  }
}

// One entry per bad field, with a JSON-pointer-like path the caller can act on. Entries of a
// comma-separated query list are reported on the parameter itself, naming the bad entry; the
// type errors of a nullable value's branches merge into one ("must be a string or null";
// test/app/validation-messages.test.ts).
export function fieldErrors (validation: AjvIssue[], context: string | undefined): FieldErrorT[] {
  const part = PARTS[context ?? ''] ?? context ?? 'request'
  const byPath = new Map<string, { types: string[], messages: string[], anyOf: boolean }>()
  const entry = (path: string) => {
    let e = byPath.get(path)
    if (!e) byPath.set(path, e = { types: [], messages: [], anyOf: false })
    return e
  }
  for (const issue of validation) {
    const params = issue.params ?? {}
    let path = `/${part}${issue.instancePath ?? ''}`
    if (issue.keyword === 'anyOf') { entry(path).anyOf = true; continue } // its branches' errors say what is wrong
    if (issue.keyword === 'additionalProperties') path += `/${String(params.additionalProperty)}`
    if (issue.keyword === 'required') path += `/${String(params.missingProperty)}`
    if (issue.keyword === 'type') {
      for (const t of String(params.type).split(',')) entry(path).types.push(t)
      continue
    }
    let message = describe(issue.keyword, params, issue.message ?? 'is invalid')
    const listEntry = part === 'query' ? /^(\/query\/[^/]+)\/\d+$/.exec(path) : null
    if (listEntry) {
      path = listEntry[1]
      message = issue.data === undefined ? `has an entry that ${message}` : `entry ${quoted(issue.data)} ${message}`
    }
    entry(path).messages.push(message)
  }
  const out: FieldErrorT[] = []
  for (const [path, { types, messages, anyOf }] of byPath) {
    const distinct = [...new Set(messages)]
    // Of alternatives (string or null), one whose type fitted failed on something else: say that.
    if (types.length && !(anyOf && distinct.length)) {
      distinct.unshift(`must be ${[...new Set(types)].map((t) => TYPE_WORDS[t] ?? t).join(' or ')}`)
    }
    for (const message of distinct) out.push({ path, message })
  }
  return out
}
