// The baseline: a bare @fastify/reply-from proxy with no mapping, auth or validation.
import replyFrom from '@fastify/reply-from'
import Fastify from 'fastify'

const upstream = process.argv[2]
const app = Fastify({ logger: false })
await app.register(replyFrom, { base: upstream, undici: { connections: 16, pipelining: 1 } })
app.get('/*', (request, reply) => reply.from(request.url))
const url = await app.listen({ host: '127.0.0.1', port: 0 })
process.stdout.write(`READY ${url}\n`)
process.on('SIGTERM', () => { app.close().then(() => process.exit(0)) })
