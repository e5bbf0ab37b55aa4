import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { ScopeValue } from '../../../schemas/enums.ts'
import { ZwaIncidentParams } from '../../../schemas/requests.ts'
import { READ_ERRORS, problemResponses } from '../../../schemas/responses.ts'
import { principalOf, requestContext } from '../call-options.ts'

type Name = 'history' | 'evidence' | 'triggers' | 'tickets' | 'groups' // IncidentService methods

const resource = (path: Name, operationId: string, summary: string, schema: string,
  scope: ScopeValue = 'incidents:read') => ({ path, operationId, summary, schema, scope })

// Read-only sub-resources; each is a vendor capability, refused with 422 where missing.
const SUB_RESOURCES = [
  resource('history', 'getIncidentHistory', 'Change history', 'HistoryList'),
  resource('evidence', 'getIncidentEvidence', 'Evidence file information (scope evidence:read)', 'Evidence',
    'evidence:read'),
  resource('triggers', 'getIncidentTriggers', 'Matched content with context (scope evidence:read)', 'Triggers',
    'evidence:read'),
  resource('tickets', 'getIncidentTickets', 'Tickets generated for the incident', 'TicketList'),
  resource('groups', 'getIncidentGroups', 'Incident groups the incident belongs to', 'GroupList')
]

const subResources: FastifyPluginAsyncTypebox = async (app) => {
  for (const sub of SUB_RESOURCES) {
    app.get(`/incidents/:id/${sub.path}`, {
      config: { scope: sub.scope },
      schema: {
        tags: ['incidents'],
        operationId: sub.operationId,
        summary: sub.summary,
        description: 'ZWA only; other providers answer 422 `capability_not_supported`.',
        params: ZwaIncidentParams,
        response: { 200: Type.Ref(sub.schema), ...problemResponses(...READ_ERRORS) }
      }
    }, async (request) => {
      const found = await app.incidents[sub.path](principalOf(request), request.params.id, requestContext(request))
      return sub.path === 'evidence' ? found : { data: found } // evidence is one object, the others lists
    })
  }
}

export default subResources
