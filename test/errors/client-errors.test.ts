// What src/errors/client-errors.ts promises of answers below the router, checked without a socket
// of Node's: an unknown method's answer names its path, clipped to 512 characters, and nothing
// else of the rejected request; a response that has already started is never written into.
import type { Socket } from 'node:net'
import t from 'tap'
import { makeClientErrorHandler, socketProblem } from '../../src/errors/client-errors.ts'
import { RouteMethods } from '../../src/errors/route-methods.ts'
import { createLogger } from '../../src/logging/logger.ts'

const routes = new RouteMethods()
routes.add('/v1/incidents/:id', ['GET', 'PATCH'])

const parserError = (rawRequest: string) => Object.assign(new Error('Invalid method encountered'), {
  code: 'HPE_INVALID_METHOD', rawPacket: Buffer.from(rawRequest)
})

t.test('an unknown method names only its path, at most 512 characters of it', async (t) => {
  const path = `/v1/${'p'.repeat(1000)}`
  const raw = `FOO ${path}?token=hunter2 HTTP/1.1\r\nHost: x\r\nX-Secret: hunter2\r\n\r\n{"body":"hunter2"}`
  const problem = socketProblem(parserError(raw), routes, 'req-1')
  t.equal(problem.status, 404)
  t.equal(problem.body.instance, path.slice(0, 512), 'the path, clipped')
  t.notMatch(JSON.stringify(problem.body), /hunter2/, 'no query, header or body echoed')

  const raw405 = 'FOO /v1/incidents/zwa:1 HTTP/1.1\r\nX-Secret: hunter2\r\n\r\n'
  const known = socketProblem(parserError(raw405), routes, 'req-2')
  t.equal(known.status, 405)
  t.same(known.allow, ['GET', 'PATCH'])
  t.notMatch(JSON.stringify(known.body), /hunter2/)
})

// A socket stand-in that records whether an answer was written or the socket destroyed.
function fakeSocket (headersSent: boolean) {
  const seen = { ended: false, destroyed: false }
  const socket = {
    destroyed: false,
    writable: true,
    _httpMessage: { headersSent },
    end: () => { seen.ended = true },
    destroy: () => { seen.destroyed = true }
  }
  return { socket: socket as unknown as Socket, seen }
}

t.test('a parser error after a response has started destroys the socket without writing', async (t) => {
  const handler = makeClientErrorHandler(routes, () => createLogger({ level: 'silent' }))
  const err = Object.assign(new Error('Parse Error'), { code: 'HPE_INVALID_CONSTANT' })

  const started = fakeSocket(true)
  handler(err, started.socket)
  t.same(started.seen, { ended: false, destroyed: true }, 'no second answer inside the first')

  const idle = fakeSocket(false)
  handler(err, idle.socket)
  t.equal(idle.seen.ended, true, 'an idle connection gets its problem document')
})
