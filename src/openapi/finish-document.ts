// What the route schemas cannot say, added to the generated OpenAPI document in one place: the
// response headers set by cross-cutting plugins (request id, rate limit, idempotency) and the
// comma-separated form of list query parameters. Each header is one component, referenced.

interface HeaderSpec {
  description: string
  schema: Record<string, unknown>
  required?: boolean
  // which responses carry it: path, method (lower case) and status
  on: (path: string, method: string, status: number) => boolean
}

const isV1 = (path: string) => path.startsWith('/v1/')
const isWrite = (method: string) => method === 'post' || method === 'patch'

// The per-key rate limit headers: on every /v1 answer to a key that was accepted.
const rateLimit = (description: string): HeaderSpec => ({
  description,
  schema: { type: 'integer', minimum: 0 },
  on: (path, _m, status) => isV1(path) && status !== 401
})

export const RESPONSE_HEADERS: Record<string, HeaderSpec> = {
  'X-Request-Id': {
    description: 'The request id: the caller\'s X-Request-Id when it is a short token of safe characters, else a ' +
      'new UUID. Also in problem documents and logs.',
    schema: { type: 'string' },
    required: true,
    on: () => true
  },
  'RateLimit-Limit': rateLimit('Requests this API key may make per minute (absent when the key was refused).'),
  'RateLimit-Remaining': rateLimit('Requests left in the current minute for this API key.'),
  'RateLimit-Reset': rateLimit('Seconds until the current minute\'s budget renews.'),
  'Retry-After': {
    description: 'Seconds to wait before retrying, when the gateway knows (also `retry_after` in the problem ' +
      'document).',
    schema: { type: 'integer', minimum: 0 },
    // 429 and 503; 502/504 when a failed provider asked for a wait (a listing, or an upstream 429 on a read)
    on: (path, _m, status) => isV1(path) && [429, 502, 503, 504].includes(status)
  },
  'Idempotent-Replayed': {
    description: '`true` when this answer is the stored answer to an earlier request with the same Idempotency-Key.',
    schema: { type: 'string', enum: ['true'] },
    // answers stored for replay: those given after authentication and body parsing, below 500
    on: (path, method, status) => isV1(path) && isWrite(method) && status < 500 && ![401, 413, 415].includes(status)
  },
  ETag: {
    description: 'Strong entity tag of the incident\'s vendor state (the same for every key, with or without ' +
      '`include=raw`): send it as If-Match on a write, or as If-None-Match on GET (docs/writes.md).',
    schema: { type: 'string' },
    // the incident detail and the writes to one incident: 200, 304 and 412
    on: (path, method, status) => /^\/v1\/incidents\/\{id\}(\/(close|notes|labels))?$/.test(path) &&
      (status === 200 || status === 304 || (status === 412 && method !== 'get'))
  },
  Location: {
    description: 'Where the batch job\'s state and results are: /v1/jobs/{job_id}.',
    schema: { type: 'string' },
    on: (path, method, status) => path === '/v1/incidents/batch' && method === 'post' && status === 202
  },
  'WWW-Authenticate': {
    description: 'The authentication scheme: `Bearer realm="dlp-gateway"`.',
    schema: { type: 'string' },
    on: (path, _m, status) => isV1(path) && status === 401
  }
}

type Doc = {
  paths?: Record<string, Record<string, {
    parameters?: Array<{ in: string, schema?: { type?: unknown }, style?: string, explode?: boolean }>
    responses?: Record<string, { headers?: Record<string, unknown> }>
  }>>
  components?: Record<string, unknown>
}

export function finishDocument<T> (document: T): T {
  const doc = document as Doc
  doc.components = {
    ...doc.components,
    headers: Object.fromEntries(Object.entries(RESPONSE_HEADERS).map(([name, h]) => [name, {
      description: h.description, ...(h.required ? { required: true } : {}), schema: h.schema
    }]))
  }
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const [method, op] of Object.entries(item)) {
      for (const p of op.parameters ?? []) {
        // Matches the runtime, which splits every array query parameter at commas (validation plugin).
        if (p.in === 'query' && p.schema?.type === 'array') Object.assign(p, { style: 'form', explode: false })
      }
      for (const [status, response] of Object.entries(op.responses ?? {})) {
        const names = Object.keys(RESPONSE_HEADERS).filter((n) => RESPONSE_HEADERS[n].on(path, method, Number(status)))
        if (names.length === 0) continue
        response.headers = {
          ...response.headers, ...Object.fromEntries(names.map((n) => [n, { $ref: `#/components/headers/${n}` }]))
        }
      }
    }
  }
  return document
}
