import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { META_ERRORS, problemResponses } from '../../schemas/responses.ts'
import { principalOf } from './call-options.ts'

// Configured providers (those the key may see) and their enum mapping tables.
const providers: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/providers', {
    config: { scope: 'incidents:read' },
    schema: {
      tags: ['providers'],
      operationId: 'listProviders',
      summary: 'Provider instances, their capabilities and health',
      description: 'The base URL never carries credentials. Capabilities tell a client which calls a provider ' +
        'supports before it makes them.',
      response: { 200: Type.Ref('ProviderList'), ...problemResponses(...META_ERRORS) }
    }
  }, async (request) => ({ data: app.incidents.providerList(principalOf(request)) }))

  app.get('/mappings', {
    config: { scope: 'incidents:read' },
    schema: {
      tags: ['providers'],
      operationId: 'listMappings',
      summary: 'Enum mapping tables per provider',
      description: 'Native value to normalized value, as configured (spec defaults plus per-instance overrides). ' +
        'A native value absent here maps to `unknown`.',
      response: { 200: Type.Ref('MappingList'), ...problemResponses(...META_ERRORS) }
    }
  }, async (request) => ({ data: app.incidents.mappings(principalOf(request)) }))
}

export default providers
