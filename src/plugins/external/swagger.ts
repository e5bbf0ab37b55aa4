import swagger from '@fastify/swagger'
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { GatewayError } from '../../errors/gateway-error.ts'
import { finishDocument } from '../../openapi/finish-document.ts'
import { openApiYaml } from '../../openapi/yaml-text.ts'
import { problemExampleComponents } from '../../schemas/problem-examples.ts'
import { CHANGE_ERRORS, META_ERRORS, READ_ERRORS, WRITE_ERRORS } from '../../schemas/responses.ts'

export const OPENAPI_INFO = {
  title: 'Unified DLP incident gateway',
  version: '1.0.0',
  description: 'One normalized API over the DLP incidents of Zscaler Workflow Automation (ZWA) and Cisco Cloudlock. ' +
    'Errors are RFC 9457 problem documents with a stable `code`. Besides the answers listed per operation, any ' +
    'request may get one of the HTTP-layer problems in `components.responses` (400 bad_request, 405 with Allow, ' +
    '408, 414, 431). ' +
    'Generated from the route schemas; do not edit by hand.',
  contact: { name: 'DLP gateway team' },
  license: { name: 'Proprietary', identifier: 'LicenseRef-Proprietary' }
}

// Problems answered below the routes (src/errors/client-errors.ts, the not-found handler), so on
// no operation in particular: documented once as reusable responses.
const problem = (
  description: string, headers?: Record<string, { description: string, schema: { type: 'string', examples: string[] } }>
) => ({
  description,
  ...(headers ? { headers } : {}),
  content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } }
})
const HTTP_LAYER_RESPONSES = {
  MalformedRequest: problem('Not valid HTTP/1.1 (bad_request); the connection is closed'),
  MethodNotAllowed: problem('The path is served, but not with this method (method_not_allowed)', {
    Allow: { description: 'the methods served on the path', schema: { type: 'string', examples: ['GET, HEAD, PATCH'] } }
  }),
  RequestTimeout: problem(
    'The request headers or body did not arrive in time (request_timeout); the connection is closed'),
  UriTooLong: problem('A path segment is longer than 256 characters (uri_too_long)'),
  RequestHeaderFieldsTooLarge: problem('Request line and headers exceed 16 KiB, a long query string included ' +
    '(request_header_fields_too_large); the connection is closed')
}

// OpenAPI 3.1 built from the route schemas; shared schemas become named components.
async function swaggerPlugin (app: FastifyInstance) {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: OPENAPI_INFO,
      servers: [{ url: '/', description: 'this gateway' }],
      tags: [
        { name: 'incidents', description: 'Normalized DLP incidents across providers' },
        { name: 'providers', description: 'Configured provider instances and mapping tables' },
        { name: 'changes', description: 'The change feed: what changed since a token (docs/sync.md)' },
        { name: 'webhooks', description: 'Signed push of incident changes (docs/webhooks.md)' },
        { name: 'operations', description: 'Health, readiness and API description' }
      ],
      components: {
        securitySchemes: {
          apiKey: { type: 'http', scheme: 'bearer', description: 'Authorization: Bearer <API key>' }
        },
        responses: HTTP_LAYER_RESPONSES,
        examples: problemExampleComponents(
          [...new Set([...READ_ERRORS, ...WRITE_ERRORS, ...META_ERRORS, ...CHANGE_ERRORS])])
      },
      security: [{ apiKey: [] }]
    },
    transformObject: (documentObject) => finishDocument((documentObject as { openapiObject: object }).openapiObject),
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`)
    }
  })
  const docs = lazyDocs(app)
  app.get('/docs', { schema: { hide: true } }, docs)
  app.get('/docs/*', { schema: { hide: true } }, docs)

  const hidden = { hide: true }
  app.get('/openapi.json', { schema: hidden }, async (_req, reply) =>
    reply.type('application/json; charset=utf-8').send(app.swagger()))
  app.get('/openapi.yaml', { schema: hidden }, async (_req, reply) =>
    reply.type('application/yaml; charset=utf-8').send(openApiYaml(app)))
}

export default fp(swaggerPlugin, { name: 'swagger', fastify: '5.x' })

// Swagger UI (its plugin, @fastify/static and the asset files) is loaded on the first request under
// /docs, not at boot: production rarely serves it (test/server-boot-modules.test.ts). It runs in an
// app of its own, never listening, that serves this app's finished document; requests are handed to
// it in process.
function lazyDocs (app: FastifyInstance) {
  let ui: Promise<FastifyInstance> | undefined
  const build = async () => {
    const { default: swaggerUi } = await import('@fastify/swagger-ui')
    const inner = Fastify({ logger: false })
    await inner.register(swagger, { mode: 'static', specification: { document: app.swagger() as never } })
    await inner.register(swaggerUi, {
      routePrefix: '/docs', uiConfig: { docExpansion: 'list', deepLinking: true }, staticCSP: true
    })
    await inner.ready()
    return inner
  }
  app.addHook('onClose', async () => { await (await ui?.catch(() => undefined))?.close() })
  return async (request: FastifyRequest, reply: FastifyReply) => {
    ui ??= build().catch((err) => {
      ui = undefined
      throw err
    })
    const res = await (await ui).inject({
      method: request.method as 'GET' | 'HEAD', url: request.url, headers: pick(request.headers, FORWARDED)
    })
    if (res.statusCode === 404) {
      const path = request.url.split('?')[0].slice(0, 200)
      throw new GatewayError('not_found', `No page ${path}. The API is described at /docs.`)
    }
    for (const [name, value] of Object.entries(res.headers)) {
      if (value !== undefined && !HOP_HEADERS.has(name)) reply.header(name, value)
    }
    return reply.code(res.statusCode).send(res.rawPayload)
  }
}

// What a static file answer depends on: content negotiation and cache validation.
const FORWARDED = ['accept', 'accept-encoding', 'if-none-match', 'if-modified-since', 'range']
const pick = (headers: Record<string, string | string[] | undefined>, names: string[]) =>
  Object.fromEntries(names.flatMap((n) => (headers[n] === undefined ? [] : [[n, headers[n]!]])))
const HOP_HEADERS = new Set(['content-length', 'transfer-encoding', 'connection', 'keep-alive', 'date'])
