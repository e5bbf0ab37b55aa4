import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'

export interface Lifecycle {
  shuttingDown: boolean
  startedAt: number
}

declare module 'fastify' {
  interface FastifyInstance {
    lifecycle: Lifecycle
    beginShutdown: () => void
  }
}

// Readiness flips to 503 the moment shutdown begins, before the server stops accepting, so a
// load balancer drains this instance first.
async function lifecycle (app: FastifyInstance) {
  app.decorate('lifecycle', { shuttingDown: false, startedAt: Date.now() })
  app.decorate('beginShutdown', function beginShutdown (this: FastifyInstance) {
    this.lifecycle.shuttingDown = true
  })
  app.addHook('preClose', async () => {
    app.lifecycle.shuttingDown = true
  })
  // Keep-alive connections that finish a request during shutdown are closed with it; otherwise
  // they would hold the server open until the keep-alive timeout.
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (app.lifecycle.shuttingDown) reply.header('connection', 'close')
    done(null, payload)
  })
}

export default fp(lifecycle, { name: 'lifecycle', fastify: '5.x' })
