// A minimal vendor app wired to the sim kit, so the kit is tested apart from any real simulator.
import Fastify, { type FastifyInstance } from 'fastify'
import { registerSimKit, SimInputError, type SimKitOptions } from '../../../src/sim-kit/sim-kit.ts'

export interface KitApp {
  app: FastifyInstance
  records: unknown[]
  resets: number
}

export async function buildKitApp (overrides: Partial<SimKitOptions> = {}): Promise<KitApp> {
  const app = Fastify({ logger: false })
  const state: KitApp = { app, records: [], resets: 0 }
  await registerSimKit(app, {
    vendorPrefixes: ['/api/v2'],
    errorBody: (status, message) => ({ message, vendor_status: status }),
    addIncidents: (records) => {
      for (const record of records) {
        if (record === null || typeof record !== 'object') throw new SimInputError('each record must be an object')
      }
      state.records.push(...records)
      return { added: records.length, ids: records.map((_, i) => String(state.records.length - records.length + i + 1)) }
    },
    reset: () => { state.records = []; state.resets++ },
    secretBodyKeys: ['key_secret', 'client_secret', 'token', 'access_token'],
    secretHeaders: ['x-vendor-token'],
    ...overrides
  })
  // Like an OAuth token endpoint: form bodies reach handlers (and the log) as raw strings.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => { done(null, body) })
  // Vendor auth in a hook of its own context runs after the kit's fault hook.
  await app.register(async (vendor) => {
    vendor.addHook('preValidation', async (request, reply) => {
      if (request.headers.authorization !== 'Bearer good') return reply.code(401).send({ message: 'unauthorized' })
    })
    vendor.get('/api/v2/items', async () => ({ items: [{ id: '1', name: 'alpha' }, { id: '2', name: 'beta' }], total: 0 }))
    vendor.put('/api/v2/items/:id', async (request) => ({ id: (request.params as { id: string }).id, body: request.body }))
    vendor.post('/api/v2/token', async () => ({ access_token: 'issued-secret' }))
  })
  app.get('/other/ping', async () => ({ pong: true }))
  app.setNotFoundHandler(async (_request, reply) => reply.code(404).send({ message: 'not found' }))
  return state
}

export async function listen (app: FastifyInstance): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' })
  const address = app.server.address()
  if (address === null || typeof address === 'string') throw new Error('no port')
  return `http://127.0.0.1:${address.port}`
}
