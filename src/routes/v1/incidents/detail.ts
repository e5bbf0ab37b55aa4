import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { DEMO_IDS } from '../../../schemas/examples.ts'
import { GetQuery, IncidentParams, PatchBody, WriteHeaders, incidentParams } from '../../../schemas/requests.ts'
import { READ_ERRORS, problemResponses, writeProblemResponses } from '../../../schemas/responses.ts'
import { principalOf, requestContext, writeRequestContext } from '../call-options.ts'

const detail: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/incidents/:id', {
    config: { scope: 'incidents:read' },
    schema: {
      tags: ['incidents'],
      operationId: 'getIncident',
      summary: 'One incident',
      description: '`include=raw` adds the vendor record exactly as received.',
      params: IncidentParams,
      querystring: GetQuery,
      response: { 200: Type.Ref('Incident'), ...problemResponses(...READ_ERRORS) }
    }
  }, async (request) => app.incidents.get(principalOf(request), request.params.id,
    { raw: request.query.include?.includes('raw') === true }, requestContext(request)))

  app.patch('/incidents/:id', {
    config: { scope: 'incidents:write' },
    schema: {
      tags: ['incidents'],
      operationId: 'updateIncident',
      summary: 'Change status, severity or external_ref',
      description: 'Returns the updated incident. ZWA can only be set to `resolved` (through its close endpoint); ' +
        'a value or field a provider cannot take is 422 `unsupported_value` or `capability_not_supported`, ' +
        'never approximated.',
      params: incidentParams(DEMO_IDS.cloudlock), // its body example is a change only Cloudlock takes
      headers: WriteHeaders,
      body: PatchBody,
      response: { 200: Type.Ref('Incident'), ...writeProblemResponses() }
    }
  }, async (request) =>
    app.incidents.update(principalOf(request), request.params.id, request.body, writeRequestContext(request)))
}

export default detail
