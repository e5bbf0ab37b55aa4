import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { CallOptions, ProviderAdapter } from '../../../adapters/types.ts'
import type { ScopeValue } from '../../../schemas/enums.ts'
import { ZwaIncidentParams } from '../../../schemas/requests.ts'
import { READ_ERRORS, problemResponses } from '../../../schemas/responses.ts'
import { resolveIncidentId } from '../../../services/provider-access.ts'
import { callOptions, principalOf } from '../call-options.ts'

interface SubResource {
  path: string
  operationId: string
  summary: string
  scope: ScopeValue
  schema: string
  fetch: (adapter: ProviderAdapter, nativeId: string, opts: CallOptions) => Promise<unknown>
}

// Read-only sub-resources; each is a vendor capability, refused with 422 where missing.
const SUB_RESOURCES: SubResource[] = [
  { path: 'history', operationId: 'getIncidentHistory', summary: 'Change history', scope: 'incidents:read', schema: 'HistoryList', fetch: async (a, id, o) => ({ data: await a.history(id, o) }) },
  { path: 'evidence', operationId: 'getIncidentEvidence', summary: 'Evidence file information (scope evidence:read)', scope: 'evidence:read', schema: 'Evidence', fetch: (a, id, o) => a.evidence(id, o) },
  { path: 'triggers', operationId: 'getIncidentTriggers', summary: 'Matched content with context (scope evidence:read)', scope: 'evidence:read', schema: 'Triggers', fetch: async (a, id, o) => ({ data: await a.triggers(id, o) }) },
  { path: 'tickets', operationId: 'getIncidentTickets', summary: 'Tickets generated for the incident', scope: 'incidents:read', schema: 'TicketList', fetch: async (a, id, o) => ({ data: await a.tickets(id, o) }) },
  { path: 'groups', operationId: 'getIncidentGroups', summary: 'Incident groups the incident belongs to', scope: 'incidents:read', schema: 'GroupList', fetch: async (a, id, o) => ({ data: await a.groups(id, o) }) }
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
      const { adapter, nativeId } = resolveIncidentId(app.providers, principalOf(request), request.params.id)
      return sub.fetch(adapter, nativeId, callOptions(request))
    })
  }
}

export default subResources
