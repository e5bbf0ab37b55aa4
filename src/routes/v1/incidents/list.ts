import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { toProblem } from '../../../errors/problem-document.ts'
import type { ListFilters } from '../../../adapters/types.ts'
import { GatewayError } from '../../../errors/gateway-error.ts'
import { CLIENT_TIME_RULE, clientTimeToIso } from '../../../mapping/timestamps.ts'
import { ListQuery } from '../../../schemas/requests.ts'
import { READ_ERRORS, problemResponses } from '../../../schemas/responses.ts'
import { listIncidents } from '../../../services/incident-listing.ts'
import { providersForList } from '../../../services/provider-access.ts'
import type { FieldErrorT } from '../../../schemas/problem.ts'
import { principalOf, requestDeadline, viewFor } from '../call-options.ts'

const unique = <T>(values: T[] | undefined) => (values === undefined ? undefined : [...new Set(values)])

// The schema's date-time format already refused what cannot be converted; this is the backstop
// that keeps such a value a 400 naming the parameter, never an exception or a vendor call.
function iso (value: string | undefined, path: string, errors: FieldErrorT[]): string | undefined {
  if (value === undefined) return undefined
  const canonical = clientTimeToIso(value)
  if (canonical === null) errors.push({ path, message: CLIENT_TIME_RULE })
  return canonical ?? undefined
}

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
    const errors: FieldErrorT[] = []
    const filters: ListFilters = {
      severity: unique(q.severity),
      status: unique(q.status),
      createdAfter: iso(q.created_after, '/query/created_after', errors),
      createdBefore: iso(q.created_before, '/query/created_before', errors),
      updatedAfter: iso(q.updated_after, '/query/updated_after', errors),
      updatedBefore: iso(q.updated_before, '/query/updated_before', errors),
      priority: unique(q.priority),
      externalRef: q.external_ref,
      label: q.label === undefined ? undefined : { key: q.label.slice(0, q.label.indexOf(':')), value: q.label.slice(q.label.indexOf(':') + 1) },
      policyId: q.policy_id
    }
    if (errors.length) throw new GatewayError('validation_failed', `The request is invalid: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}`, { errors })
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
      cache: app.readAhead,
      callBudget: app.config.limits.upstream_calls_per_request
    })
    request.log.info({ providers: providers.map((p) => p.id), returned: result.data.length, upstream_calls: result.upstreamCalls }, 'listed incidents')
    return {
      data: result.data.map(viewFor(request, { raw: q.include?.includes('raw') === true })),
      next_cursor: result.nextCursor,
      providers: Object.fromEntries(Object.entries(result.providers).map(([id, o]) => [
        id, o.error ? { status: o.status, error: toProblem(o.error, request).body } : { status: o.status }
      ]))
    }
  })
}

export default list
