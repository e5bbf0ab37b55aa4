import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { TransactionParams } from '../../schemas/requests.ts'
import { READ_ERRORS, problemResponses } from '../../schemas/responses.ts'
import { principalOf, requestContext } from './call-options.ts'

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
  }, async (request) => ({
    data: await app.incidents.transactionIncidents(principalOf(request), request.params.provider,
      request.params.transaction_id, requestContext(request))
  }))
}

export default transactions
