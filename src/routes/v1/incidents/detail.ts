import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { IncidentT } from '../../../schemas/incident.ts'
import { GetQuery, IncidentParams, PatchBody, WriteHeaders } from '../../../schemas/requests.ts'
import { READ_ERRORS, WRITE_ERRORS, problemResponses } from '../../../schemas/responses.ts'
import { resolveIncidentId } from '../../../services/provider-access.ts'
import { callOptions, principalOf } from '../call-options.ts'

export const withoutRaw = ({ raw: _raw, ...rest }: IncidentT): IncidentT => rest

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
    return request.query.include?.includes('raw') === true ? incident : withoutRaw(incident)
  })

  app.patch('/incidents/:id', {
    config: { scope: 'incidents:write' },
    schema: {
      tags: ['incidents'],
      operationId: 'updateIncident',
      summary: 'Change status, severity or external_ref',
      description: 'Returns the updated incident. ZWA can only be set to `resolved` (through its close endpoint); a value or ' +
        'field a provider cannot take is 422 `unsupported_value` or `capability_not_supported`, never approximated.',
      params: IncidentParams,
      headers: WriteHeaders,
      body: PatchBody,
      response: { 200: Type.Ref('Incident'), ...problemResponses(...WRITE_ERRORS) }
    }
  }, async (request) => {
    const { adapter, nativeId } = resolveIncidentId(app.providers, principalOf(request), request.params.id)
    return withoutRaw(await adapter.update(nativeId, request.body, callOptions(request)))
  })
}

export default detail
