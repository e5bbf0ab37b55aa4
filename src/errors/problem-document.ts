import type { FastifyError, FastifyRequest } from 'fastify'
import type { ErrorCode, ProblemT } from '../schemas/problem.ts'
import { fieldErrors, type AjvIssue } from './field-errors.ts'
import { GatewayError } from './gateway-error.ts'
import { PROBLEM_TYPES, problemTypeUri } from '../schemas/problem-types.ts'

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8'

const INTERNAL_DETAIL = 'An unexpected error occurred. Quote the request_id when reporting it.'

// Fastify's own 4xx errors mapped to stable codes with messages that never echo the body
// (test/app/errors.test.ts).
const FASTIFY_CODES: Record<string, { code: ErrorCode, detail: string }> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    code: 'unsupported_media_type', detail: 'Send JSON with Content-Type: application/json.'
  },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { code: 'validation_failed', detail: 'Content-Length does not match the body.' },
  FST_ERR_CTP_BODY_TOO_LARGE: {
    code: 'payload_too_large', detail: 'The request body is larger than the gateway accepts.'
  },
  FST_ERR_CTP_EMPTY_JSON_BODY: {
    code: 'validation_failed',
    detail: 'The body is empty but Content-Type says JSON; send a JSON document or no Content-Type.'
  },
  FST_ERR_CTP_INVALID_JSON_BODY: { code: 'validation_failed', detail: 'The request body is not valid JSON.' },
  FST_ERR_BAD_URL: { code: 'validation_failed', detail: 'The request URL is malformed.' },
  FST_ERR_CTP_INVALID_TYPE: { code: 'unsupported_media_type', detail: 'The Content-Type header is invalid.' }
}

export interface ProblemReply {
  status: number
  body: ProblemT
  headers: Record<string, string>
  internal: boolean
}

export function toProblem (err: unknown, request: Pick<FastifyRequest, 'id' | 'url'>): ProblemReply {
  const instance = request.url.split('?')[0].slice(0, 512)
  const base = (code: ErrorCode, status: number, detail: string): ProblemT => ({
    type: problemTypeUri(code),
    title: PROBLEM_TYPES[code].title,
    status,
    detail,
    instance,
    code,
    request_id: String(request.id)
  })

  if (err instanceof GatewayError) {
    const body = base(err.code, err.statusCode, err.detail)
    const headers: Record<string, string> = {}
    if (err.errors) body.errors = err.errors
    if (err.provider) body.provider = err.provider
    if (err.capability) body.capability = err.capability
    if (err.failedProviders) body.failed_providers = err.failedProviders
    if (err.fields) body.fields = err.fields
    if (err.etag) {
      body.etag = err.etag
      headers.etag = err.etag
    }
    if (err.retryAfter !== undefined) {
      body.retry_after = Math.max(0, Math.ceil(err.retryAfter))
      headers['retry-after'] = String(body.retry_after)
    }
    return { status: err.statusCode, body, headers, internal: err.statusCode >= 500 && err.code === 'internal_error' }
  }

  const fe = err as FastifyError & { validation?: AjvIssue[], validationContext?: string }
  if (fe && Array.isArray(fe.validation)) {
    const errors = fieldErrors(fe.validation, fe.validationContext)
    const body = base('validation_failed', 400,
      `The request is invalid: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}`)
    body.errors = errors
    return { status: 400, body, headers: {}, internal: false }
  }

  const known = fe?.code ? FASTIFY_CODES[fe.code] : undefined
  if (known) {
    return {
      status: PROBLEM_TYPES[known.code].status,
      body: base(known.code, PROBLEM_TYPES[known.code].status, known.detail),
      headers: {},
      internal: false
    }
  }
  // A JSON syntax error from the body parser carries statusCode 400 and a message that quotes the body.
  if (fe instanceof SyntaxError && (fe as FastifyError).statusCode === 400) {
    return {
      status: 400,
      body: base('validation_failed', 400, FASTIFY_CODES.FST_ERR_CTP_INVALID_JSON_BODY.detail),
      headers: {},
      internal: false
    }
  }
  const status = typeof fe?.statusCode === 'number' ? fe.statusCode : 500
  if (status >= 400 && status < 500) {
    return {
      status,
      body: base('validation_failed', status, 'The request could not be processed as sent.'),
      headers: {},
      internal: false
    }
  }
  return { status: 500, body: base('internal_error', 500, INTERNAL_DETAIL), headers: {}, internal: true }
}
