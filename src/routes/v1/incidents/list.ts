import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { toProblem } from '../../../errors/problem-document.ts'
import { ListQuery } from '../../../schemas/requests.ts'
import { READ_ERRORS, problemResponses } from '../../../schemas/responses.ts'
import { principalOf, requestContext } from '../call-options.ts'
import { listFilters, unique } from './list-filters.ts'

const list: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/incidents', {
    config: { scope: 'incidents:read' },
    schema: {
      tags: ['incidents'],
      operationId: 'listIncidents',
      summary: 'List and search incidents across providers',
      description: 'Newest `created_at` first, merged across providers. Walk `next_cursor` until it is null to get ' +
        'every matching incident exactly once; a page may hold fewer than `limit` items while more follow. If a ' +
        'provider fails the answer is 502 naming it, unless `allow_partial=true`, which returns 200 with that ' +
        'provider marked `error` and its position not advanced.',
      querystring: ListQuery,
      response: { 200: Type.Ref('IncidentList'), ...problemResponses(...READ_ERRORS) }
    }
  }, async (request) => {
    const q = request.query
    const result = await app.incidents.list(principalOf(request), {
      filters: listFilters(q),
      providers: unique(q.provider),
      limit: q.limit,
      cursor: q.cursor,
      allowPartial: q.allow_partial,
      raw: q.include?.includes('raw') === true
    }, requestContext(request))
    return {
      data: result.data,
      next_cursor: result.nextCursor,
      providers: Object.fromEntries(Object.entries(result.providers).map(([id, o]) => [
        id, o.error ? { status: o.status, error: toProblem(o.error, request).body } : { status: o.status }
      ]))
    }
  })
}

export default list
