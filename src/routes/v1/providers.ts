import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { CAPABILITIES } from '../../schemas/provider.ts'
import { META_ERRORS, problemResponses } from '../../schemas/responses.ts'
import { mayUseProvider } from '../../services/principal.ts'
import { principalOf } from './call-options.ts'

// Configured providers (those the key may see) and their enum mapping tables.
const providers: FastifyPluginAsyncTypebox = async (app) => {
  const visible = (request: Parameters<typeof principalOf>[0]) =>
    app.providers.all().filter((a) => mayUseProvider(principalOf(request), a.id))

  app.get('/providers', {
    config: { scope: 'incidents:read' },
    schema: {
      tags: ['providers'],
      operationId: 'listProviders',
      summary: 'Provider instances, their capabilities and health',
      description: 'The base URL never carries credentials. Capabilities tell a client which calls a provider supports before it makes them.',
      response: { 200: Type.Ref('ProviderList'), ...problemResponses(...META_ERRORS) }
    }
  }, async (request) => ({
    data: visible(request).map((a) => ({
      id: a.id,
      type: a.type,
      base_url: a.baseUrl,
      capabilities: CAPABILITIES.filter((c) => a.capabilities.has(c)),
      filtering: { ...a.filtering },
      health: a.health()
    }))
  }))

  app.get('/mappings', {
    config: { scope: 'incidents:read' },
    schema: {
      tags: ['providers'],
      operationId: 'listMappings',
      summary: 'Enum mapping tables per provider',
      description: 'Native value to normalized value, as configured (spec defaults plus per-instance overrides). A native value absent here maps to `unknown`.',
      response: { 200: Type.Ref('MappingList'), ...problemResponses(...META_ERRORS) }
    }
  }, async (request) => ({
    data: visible(request).map((a) => {
      const entries = (table: Record<string, string>) => Object.entries(table).map(([native, normalized]) => ({ native, normalized }))
      return {
        provider: a.id,
        provider_type: a.type,
        severity: entries(a.tables.severity),
        priority: entries(a.tables.priority),
        status: Object.entries(a.tables.status).map(([native, normalized]) => (
          a.tables.subStatus.includes(native) ? { native, normalized, sub_status: true } : { native, normalized })),
        classification: entries(a.tables.classification)
      }
    })
  }))
}

export default providers
