import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { TransactionParams } from '../../schemas/requests.ts'
import { READ_ERRORS, problemResponses } from '../../schemas/responses.ts'
import { providerFor } from '../../services/provider-access.ts'
import { callOptions, principalOf, viewFor } from './call-options.ts'

const transactions: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/transactions/:provider/:transaction_id/incidents', {
    config: { scope: 'incidents:read' },
    schema: {
      tags: ['incidents'],
      operationId: 'listTransactionIncidents',
      summary: 'Incidents of one transaction',
      description: 'ZWA only; other providers answer 422 `capability_not_supported`.',
      params: TransactionParams,
      response: { 200: Type.Ref('IncidentArray'), ...problemResponses(...READ_ERRORS) }
    }
  }, async (request) => {
    const adapter = providerFor(app.providers, principalOf(request), request.params.provider, '/path/provider')
    const incidents = await adapter.transactionIncidents(request.params.transaction_id, callOptions(request))
    return { data: incidents.map(viewFor(request)) }
  })
}

export default transactions
