import { randomUUID } from 'node:crypto'
import { STATUS_CODES } from 'node:http'
import type { Socket } from 'node:net'
import type { FastifyBaseLogger } from 'fastify'
import type { ErrorCode, ProblemT } from '../schemas/problem.ts'
import { PROBLEM_TYPES } from './gateway-error.ts'
import { PROBLEM_CONTENT_TYPE } from './problem-document.ts'
import { problemTypeUri } from '../schemas/problem-types.ts'
import type { RouteMethods } from './route-methods.ts'

// What Node's HTTP parser rejects before Fastify sees a request (spec 6: every answer is a
// problem document). Details never echo the rejected headers or body; an unknown method's answer
// names only its path (at most 512 characters), as the routed 404/405 answers do
// (test/app/below-router.test.ts, test/errors/client-errors.test.ts).
function classify (err: NodeJS.ErrnoException): { code: ErrorCode, detail: string } {
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    return {
      code: 'request_timeout', detail: 'The request did not arrive in time; send the headers and body without pausing.'
    }
  }
  if (err.code === 'HPE_HEADER_OVERFLOW') {
    return {
      code: 'request_header_fields_too_large',
      detail: 'The request line and headers together are larger than the gateway accepts (16 KiB).'
    }
  }
  return { code: 'bad_request', detail: 'The request is not valid HTTP/1.1.' }
}

// A method the parser does not know, on a path the gateway serves, is a 405 with Allow like any other.
const REQUEST_LINE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,32} (\/[^\s?]{0,2048})[^\s]* HTTP\/1\.[01]\r?\n/

export interface SocketProblem {
  status: number
  body: ProblemT
  allow?: string[]
}

export function socketProblem (
  err: NodeJS.ErrnoException & { rawPacket?: Buffer }, routes: RouteMethods, requestId: string
): SocketProblem {
  let { code, detail } = classify(err)
  let allow: string[] | undefined
  let instance = '/'
  const line = err.code === 'HPE_INVALID_METHOD' && err.rawPacket
    ? REQUEST_LINE.exec(err.rawPacket.subarray(0, 2200).toString('latin1'))
    : null
  if (line) {
    instance = line[1].slice(0, 512)
    allow = routes.allowedFor(line[1])
    if (allow.length > 0) {
      code = 'method_not_allowed'
      detail = `This method is not served on ${instance}; allowed: ${allow.join(', ')}.`
    } else {
      code = 'not_found'
      detail = `No route ${instance}. The API is described at /docs.`
    }
  }
  const status = PROBLEM_TYPES[code].status
  return {
    status,
    allow: code === 'method_not_allowed' ? allow : undefined,
    body: {
      type: problemTypeUri(code),
      title: PROBLEM_TYPES[code].title,
      status,
      detail,
      instance,
      code,
      request_id: requestId
    }
  }
}

interface PendingResponse { _httpMessage?: { headersSent?: boolean } | null }

// A complete HTTP/1.1 answer, then the connection is closed (the parser state is unknown, so
// nothing more can be read from it).
function answer (socket: Socket, problem: SocketProblem): void {
  const body = JSON.stringify(problem.body)
  const head = [
    `HTTP/1.1 ${problem.status} ${STATUS_CODES[problem.status]}`,
    `Content-Type: ${PROBLEM_CONTENT_TYPE}`,
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Connection: close',
    `X-Request-Id: ${problem.body.request_id}`,
    'Cache-Control: no-store',
    'X-Content-Type-Options: nosniff',
    ...(problem.allow ? [`Allow: ${problem.allow.join(', ')}`] : [])
  ]
  socket.end(`${head.join('\r\n')}\r\n\r\n${body}`, () => socket.destroy())
}

// Fastify's clientErrorHandler option.
export function makeClientErrorHandler (routes: RouteMethods, log: () => FastifyBaseLogger) {
  return function clientErrorHandler (err: NodeJS.ErrnoException, socket: Socket): void {
    if (err.code === 'ECONNRESET' || socket.destroyed) return
    // As Node does: never write into a response that has already started on this socket
    // (test/errors/client-errors.test.ts).
    const inFlight = (socket as Socket & PendingResponse)._httpMessage
    if (!socket.writable || inFlight?.headersSent) {
      socket.destroy()
      return
    }
    const problem = socketProblem(err, routes, randomUUID())
    log().info({ request_id: problem.body.request_id, code: problem.body.code, parser_error: err.code },
      'client error below the router')
    answer(socket, problem)
  }
}

// Node hands CONNECT to the server's 'connect' event and, with no listener, drops the connection
// without a word. The gateway is no proxy: the authority-form target allows no method (empty Allow).
export function makeConnectHandler (log: () => FastifyBaseLogger) {
  return function connectHandler (_req: unknown, socket: Socket): void {
    const requestId = randomUUID()
    const code = 'method_not_allowed'
    log().info({ request_id: requestId, code }, 'CONNECT refused')
    answer(socket, {
      status: 405,
      allow: [],
      body: {
        type: problemTypeUri(code),
        title: PROBLEM_TYPES[code].title,
        status: 405,
        detail: 'CONNECT is not served: the gateway is not a proxy.',
        instance: '/',
        code,
        request_id: requestId
      }
    })
  }
}
