// The floor of any gateway that reads the records of a list page or a detail read: a bare Fastify
// route that fetches the same vendor page or record with undici, parses it and sends back its items
// (or the record) re-serialized. No auth,
// mapping, validation or schema serializer: what is left is the parse and the stringify of ~100 KB
// that a gateway serving normalized records cannot avoid, plus the HTTP on both sides.
import Fastify from 'fastify'
import { Pool } from 'undici'

const upstream = process.argv[2]
const pool = new Pool(upstream, { connections: 16, pipelining: 1 })
const app = Fastify({ logger: false })
app.get('/*', async (request, reply) => {
  const res = await pool.request({
    method: 'GET',
    path: request.url,
    headers: { accept: 'application/json', authorization: request.headers.authorization ?? '' }
  })
  const text = await res.body.text()
  const body = JSON.parse(text) as { items?: unknown[] }
  // A page sends its items, one record (a detail read) itself. A string payload is sent as it is
  // (Fastify's default serializer is skipped).
  return reply.code(res.statusCode).type('application/json').send(JSON.stringify(body.items ?? body))
})
const url = await app.listen({ host: '127.0.0.1', port: 0 })
process.stdout.write(`READY ${url}\n`)
process.on('SIGTERM', () => { app.close().then(() => pool.close()).then(() => process.exit(0)) })
