import { createHash } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { buildTestApp, type TapTest } from '../helpers/build.ts'

// Spec 6: every answer is a problem document, including those produced below the router by Node's
// HTTP parser (over-long request line or headers, malformed HTTP, slow headers, unknown methods),
// and a known path asked with a method it does not serve is 405 with Allow. Raw TCP, since an HTTP
// client library would refuse to send most of these requests.
const yaml = join(mkdtempSync(join(tmpdir(), 'gw-below-router-')), 'gateway.yaml')
const KEY = 'below-router-key-0123456789'
writeFileSync(yaml, `server: { headers_timeout_ms: 300, client_timeout_ms: 300 }
observability: { audit_log: "off" }
api_keys: [{ name: k, sha256: ${createHash('sha256').update(KEY).digest('hex')}, scopes: [incidents:read, incidents:write] }]
`)

interface RawResponse { status: number, headers: Record<string, string>, body: any, closed: boolean }

// Sends `chunks` on a fresh connection and reads until the server closes it.
function exchange (port: number, chunks: string[]): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    let raw = ''
    socket.setEncoding('latin1')
    socket.on('data', (d) => { raw += d })
    socket.on('error', reject)
    socket.on('close', () => {
      const [head, ...rest] = raw.split('\r\n\r\n')
      const [statusLine, ...lines] = head.split('\r\n')
      const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]))
      const text = rest.join('\r\n\r\n')
      let body: unknown = text
      try { body = JSON.parse(text) } catch {}
      if (headers['content-length'] !== undefined && Buffer.byteLength(text, 'latin1') !== Number(headers['content-length'])) {
        reject(new Error(`incomplete response: ${raw.slice(0, 300)}`))
      }
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body, closed: true })
    })
    for (const chunk of chunks) socket.write(chunk)
  })
}

async function listening () {
  const { app, logs } = await buildTestApp({ GATEWAY_CONFIG: yaml })
  const url = new URL(await app.listen({ host: '127.0.0.1', port: 0 }))
  return { app, logs, port: Number(url.port) }
}

function isProblem (t: TapTest, res: RawResponse, status: number, code: string) {
  t.equal(res.status, status, `status ${status}`)
  t.match(res.headers['content-type'], /^application\/problem\+json/)
  t.match(res.body, { type: `urn:dlp-gateway:problem:${code}`, title: String, status, detail: String, instance: String, code, request_id: String })
  t.equal(res.headers['x-request-id'], res.body.request_id)
}

t.test('parser-level rejections are complete problem+json responses, then the connection closes', async (t) => {
  const { app, port, logs } = await listening()
  t.teardown(() => app.close())

  const longUrl = await exchange(port, [`GET /v1/incidents?q=${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`])
  isProblem(t, longUrl, 431, 'request_header_fields_too_large')
  t.equal(longUrl.headers.connection, 'close')
  t.equal(longUrl.body.instance, '/', 'nothing of the rejected request is echoed')

  const longHeader = await exchange(port, [`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(20_000)}\r\n\r\n`])
  isProblem(t, longHeader, 431, 'request_header_fields_too_large')

  const garbage = await exchange(port, ['GARBAGE\r\n\r\n'])
  isProblem(t, garbage, 400, 'bad_request')
  t.equal(garbage.headers.connection, 'close')
  isProblem(t, await exchange(port, ['GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n']), 400, 'bad_request')
  isProblem(t, await exchange(port, ['GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n']), 400, 'bad_request')

  t.ok(logs.lines.some((l) => l.msg === 'client error below the router' && l.code === 'bad_request'), 'logged with its request id')
  t.notMatch(logs.text(), /bbbbbbbbbb|aaaaaaaaaa/, 'the rejected bytes are never logged')
})

t.test('headers that do not arrive in time are a 408 problem document', async (t) => {
  const { app, port } = await listening()
  t.teardown(() => app.close())
  const res = await exchange(port, ['GET /healthz HTTP/1.1\r\nHost: x\r\n']) // never finishes its headers
  isProblem(t, res, 408, 'request_timeout')
  t.equal(res.headers.connection, 'close')
  // Headers in time, but the body never completes (an authenticated write, so the body is awaited).
  const body = await exchange(port, [`POST /v1/incidents/zwa:1/notes HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${KEY}\r\n` +
    'Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"te'])
  isProblem(t, body, 408, 'request_timeout')
})

t.test('a method the gateway does not serve on a known path is 405 with Allow', async (t) => {
  const { app, port } = await listening()
  t.teardown(() => app.close())
  const req = (method: string, path: string, extra = '') => exchange(port, [`${method} ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n${extra}\r\n`])

  const del = await req('DELETE', '/v1/incidents/x:1')
  isProblem(t, del, 405, 'method_not_allowed')
  t.equal(del.headers.allow, 'GET, HEAD, PATCH')
  t.equal(del.body.instance, '/v1/incidents/x:1')
  t.equal((await req('GET', '/v1/incidents/x:1/close')).headers.allow, 'POST')
  t.equal((await req('PUT', '/healthz')).headers.allow, 'GET, HEAD')
  // A body Fastify cannot parse does not change that: the method is what is wrong.
  for (const extra of ['Content-Type: text/plain\r\nContent-Length: 2\r\n\r\nhi', 'Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{x']) {
    const put = await req('PUT', '/healthz', extra)
    isProblem(t, put, 405, 'method_not_allowed')
    t.equal(put.headers.allow, 'GET, HEAD')
  }

  // QUERY (RFC 10008): Fastify would refuse it for its missing Content-Type with a bare 400.
  for (const extra of ['', 'Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}']) {
    const query = await req('QUERY', '/v1/incidents?limit=1', extra)
    isProblem(t, query, 405, 'method_not_allowed')
    t.equal(query.headers.allow, 'GET, HEAD')
  }
  // A method Node's parser does not know at all is answered below the router, the same way.
  const foo = await req('FOO', '/v1/incidents')
  isProblem(t, foo, 405, 'method_not_allowed')
  t.equal(foo.headers.allow, 'GET, HEAD')
  isProblem(t, await req('FOO', '/v1/nothing'), 404, 'not_found')

  const connectRes = await exchange(port, ['CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n'])
  isProblem(t, connectRes, 405, 'method_not_allowed')
  t.equal(connectRes.headers.allow, '', 'the gateway is no proxy: no method is allowed on that target')

  isProblem(t, await req('GET', '/v1/nothing'), 404, 'not_found')
  isProblem(t, await req('DELETE', '/v1/nothing'), 404, 'not_found')
  const longSegment = await req('GET', `/v1/incidents/${'a'.repeat(300)}`)
  isProblem(t, longSegment, 414, 'uri_too_long')
})
