import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { toProblem } from '../../../errors/problem-document.ts'
import type { ListFilters } from '../../../adapters/types.ts'
import { ListQuery } from '../../../schemas/requests.ts'
import { READ_ERRORS, problemResponses } from '../../../schemas/responses.ts'
import { listIncidents } from '../../../services/incident-listing.ts'
import { providersForList } from '../../../services/provider-access.ts'
import { principalOf, requestDeadline } from '../call-options.ts'

const unique = <T>(values: T[] | undefined) => (values === undefined ? undefined : [...new Set(values)])

const iso = (value: string | undefined) => (value === undefined ? undefined : new Date(value).toISOString())

const list: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/incidents', {
    config: { scope: 'incidents:read' },
    schema: {
      tags: ['incidents'],
      operationId: 'listIncidents',
      summary: 'List and search incidents across providers',
      description: 'Newest `created_at` first, merged across providers. Walk `next_cursor` until it is null to get every ' +
        'matching incident exactly once; a page may hold fewer than `limit` items while more follow. If a provider fails ' +
        'the answer is 502 naming it, unless `allow_partial=true`, which returns 200 with that provider marked `error` ' +
        'and its position not advanced.',
      querystring: ListQuery,
      response: { 200: Type.Ref('IncidentList'), ...problemResponses(...READ_ERRORS) }
    }
  }, async (request) => {
    const q = request.query
    const filters: ListFilters = {
      severity: unique(q.severity),
      status: unique(q.status),
      createdAfter: iso(q.created_after),
      createdBefore: iso(q.created_before),
      updatedAfter: iso(q.updated_after),
      updatedBefore: iso(q.updated_before)
    }
    const providers = providersForList(app.providers, principalOf(request), unique(q.provider))
    const result = await listIncidents(app.cursorCodec, {
      providers,
      filters,
      limit: q.limit ?? app.config.limits.default_page_size,
      cursor: q.cursor,
      allowPartial: q.allow_partial ?? false,
      ...requestDeadline(request),
      requestId: String(request.id),
      onUnexpected: (provider, err) => request.log.error({ err, provider }, 'adapter failed unexpectedly'),
      cache: app.readAhead
    })
    request.log.info({ providers: providers.map((p) => p.id), returned: result.data.length, upstream_calls: result.upstreamCalls }, 'listed incidents')
    const raw = q.include?.includes('raw') === true
    return {
      data: raw ? result.data : result.data.map(({ raw: _raw, ...rest }) => rest),
      next_cursor: result.nextCursor,
      providers: Object.fromEntries(Object.entries(result.providers).map(([id, o]) => [
        id, o.error ? { status: o.status, error: toProblem(o.error, request).body } : { status: o.status }
      ]))
    }
  })
}

export default list
