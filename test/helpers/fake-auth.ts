import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'

// The auth plugin reduced to its decoration: every request is one API key's.
export const fakeAuth = fp(async (app: FastifyInstance) => {
  app.decorateRequest('principal', null)
  app.addHook('onRequest', async (request) => {
    request.principal = { name: 'tester', scopes: new Set(), providers: null }
  })
}, { name: 'auth' })
