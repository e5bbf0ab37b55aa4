import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { DEMO_IDS } from '../../../schemas/examples.ts'
import {
  DetailHeaders, GetQuery, IncidentParams, IncidentWriteHeaders, PatchBody, incidentParams
} from '../../../schemas/requests.ts'
import { NOT_MODIFIED, READ_ERRORS, problemResponses, writeProblemResponses } from '../../../schemas/responses.ts'
import { ifNoneMatchHits } from '../../../services/incident-etag.ts'
import { incidentWriteContext, principalOf, requestContext } from '../call-options.ts'

const detail: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/incidents/:id', {
    config: { scope: 'incidents:read' },
    schema: {
      tags: ['incidents'],
      operationId: 'getIncident',
      summary: 'One incident',
      description: '`include=raw` adds the vendor record exactly as received. The `ETag` names the vendor\'s state ' +
        'of the incident (the same for every key and with or without `include=raw`); send it as `If-Match` on a ' +
        'write, or as `If-None-Match` here to get 304 while nothing changed.',
      params: IncidentParams,
      querystring: GetQuery,
      headers: DetailHeaders,
      response: { 200: Type.Ref('Incident'), ...NOT_MODIFIED, ...problemResponses(...READ_ERRORS) }
    }
  }, async (request, reply) => {
    const { incident, etag } = await app.incidents.getTagged(principalOf(request), request.params.id,
      { raw: request.query.include?.includes('raw') === true }, requestContext(request))
    reply.header('etag', etag)
    const ifNoneMatch = request.headers['if-none-match']
    if (typeof ifNoneMatch === 'string' && ifNoneMatchHits(ifNoneMatch, etag)) return reply.code(304).send()
    return incident
  })

  app.patch('/incidents/:id', {
    config: { scope: 'incidents:write' },
    schema: {
      tags: ['incidents'],
      operationId: 'updateIncident',
      summary: 'Change status, severity or external_ref',
      description: 'Returns the updated incident. ZWA can only be set to `resolved` (through its close endpoint); ' +
        'a value or field a provider cannot take is 422 `unsupported_value` or `capability_not_supported`, ' +
        'never approximated. With `If-Match`, 412 `precondition_failed` when the incident changed meanwhile.',
      params: incidentParams(DEMO_IDS.cloudlock), // its body example is a change only Cloudlock takes
      headers: IncidentWriteHeaders,
      body: PatchBody,
      response: { 200: Type.Ref('Incident'), ...writeProblemResponses() }
    }
  }, async (request, reply) =>
    app.incidents.update(principalOf(request), request.params.id, request.body, incidentWriteContext(request, reply)))
}

export default detail
