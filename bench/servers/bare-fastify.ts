// The at-rest baseline: a bare Fastify app with one route, started like the gateway (same Node,
// same flags, TypeScript by type stripping). Prints the gateway's "listening on <url>" line.
import Fastify from 'fastify'

const app = Fastify({ logger: false })
app.get('/healthz', async () => ({ status: 'ok' }))
const url = await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 0) })
process.stdout.write(`listening on ${url}\n`)
process.on('SIGTERM', () => { app.close().then(() => process.exit(0)) })
