import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { finishDocument } from '../../openapi/finish-document.ts'
import { problemExampleComponents } from '../../schemas/problem-examples.ts'
import { META_ERRORS, READ_ERRORS, WRITE_ERRORS } from '../../schemas/responses.ts'

export const OPENAPI_INFO = {
  title: 'Unified DLP incident gateway',
  version: '1.0.0',
  description: 'One normalized API over the DLP incidents of Zscaler Workflow Automation (ZWA) and Cisco Cloudlock. ' +
    'Errors are RFC 9457 problem documents with a stable `code`. Generated from the route schemas; do not edit by hand.',
  contact: { name: 'DLP gateway team' },
  license: { name: 'Proprietary', identifier: 'LicenseRef-Proprietary' }
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
        { name: 'operations', description: 'Health, readiness and API description' }
      ],
      components: {
        securitySchemes: {
          apiKey: { type: 'http', scheme: 'bearer', description: 'Authorization: Bearer <API key>' }
        },
        examples: problemExampleComponents([...new Set([...READ_ERRORS, ...WRITE_ERRORS, ...META_ERRORS])])
      },
      security: [{ apiKey: [] }]
    },
    transformObject: (documentObject) => finishDocument((documentObject as { openapiObject: object }).openapiObject),
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`)
    }
  })
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { docExpansion: 'list', deepLinking: true }, staticCSP: true })

  const hidden = { hide: true }
  app.get('/openapi.json', { schema: hidden }, async (_req, reply) => reply.type('application/json; charset=utf-8').send(app.swagger()))
  app.get('/openapi.yaml', { schema: hidden }, async (_req, reply) => reply.type('application/yaml; charset=utf-8').send(app.swagger({ yaml: true })))
}

export default fp(swaggerPlugin, { name: 'swagger', fastify: '5.x' })
