import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { DEMO_IDS } from '../../../schemas/examples.ts'
import { GetQuery, IncidentParams, PatchBody, WriteHeaders, incidentParams } from '../../../schemas/requests.ts'
import { READ_ERRORS, problemResponses, writeProblemResponses } from '../../../schemas/responses.ts'
import { resolveIncidentId } from '../../../services/provider-access.ts'
import { performWrite } from '../../../services/write-outcome.ts'
import { callOptions, principalOf, viewFor, writeContext } from '../call-options.ts'

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
  }, async (request) => {
    const { adapter, nativeId } = resolveIncidentId(app.providers, principalOf(request), request.params.id)
    const incident = await adapter.get(nativeId, callOptions(request))
    return viewFor(request, { raw: request.query.include?.includes('raw') === true })(incident)
  })

  app.patch('/incidents/:id', {
    config: { scope: 'incidents:write' },
    schema: {
      tags: ['incidents'],
      operationId: 'updateIncident',
      summary: 'Change status, severity or external_ref',
      description: 'Returns the updated incident. ZWA can only be set to `resolved` (through its close endpoint); a value or ' +
        'field a provider cannot take is 422 `unsupported_value` or `capability_not_supported`, never approximated.',
      params: incidentParams(DEMO_IDS.cloudlock), // its body example is a change only Cloudlock takes
      headers: WriteHeaders,
      body: PatchBody,
      response: { 200: Type.Ref('Incident'), ...writeProblemResponses() }
    }
  }, async (request) => {
    const { adapter, nativeId } = resolveIncidentId(app.providers, principalOf(request), request.params.id)
    return viewFor(request)(await performWrite(adapter, nativeId, { kind: 'update', patch: request.body }, writeContext(request)))
  })
}

export default detail
