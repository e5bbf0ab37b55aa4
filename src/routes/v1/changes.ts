import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { PROVIDER_ID_PATTERN } from '../../schemas/enums.ts'
import { CHANGE_ERRORS, problemResponses } from '../../schemas/responses.ts'
import { principalOf } from './call-options.ts'
import { unique } from './incidents/list-filters.ts'

export const ChangesQuery = Type.Object({
  after: Type.Optional(Type.String({
    minLength: 1,
    maxLength: 1024,
    description: 'opaque `next` of the previous answer; absent: the oldest retained change'
  })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100, description: 'changes per answer' })),
  provider: Type.Optional(Type.Array(Type.String({ pattern: PROVIDER_ID_PATTERN }), {
    minItems: 1,
    maxItems: 64,
    description: 'comma list of provider ids; default every provider the key may see. ' +
      'A token is bound to the provider set it was issued for.'
  })),
  wait: Type.Optional(Type.Integer({
    minimum: 0, maximum: 60, default: 0, description: 'seconds to hold the request while no change is available'
  })),
  include: Type.Optional(Type.Array(Type.Enum(['raw'], { type: 'string' }), {
    minItems: 1, maxItems: 64, description: 'raw: add the vendor record of each incident'
  }))
}, { additionalProperties: false })

// GET /v1/changes: the change feed of spec section 9 (src/services/change-service.ts).
const changes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/changes', {
    config: { scope: 'incidents:read' },
    schema: {
      tags: ['changes'],
      operationId: 'listChanges',
      summary: 'What changed since a token: the change feed',
      description: 'Every distinct state of an incident the mirror observes is one change, in `seq` order. Store ' +
        '`next` and send it as `after`: each change arrives exactly once, across restarts and replicas. ' +
        'Move your own checkpoint only over each provider\'s `complete_through`. See docs/sync.md.',
      querystring: ChangesQuery,
      response: { 200: Type.Ref('ChangeList'), ...problemResponses(...CHANGE_ERRORS) }
    }
  }, async (request, reply) => {
    const q = request.query
    // The client leaving ends a long poll at once.
    const gone = new AbortController()
    reply.raw.once('close', () => gone.abort())
    // UTF-8 JSON already (src/services/change-service.ts): sent as it is, past the response serializer;
    // the 200 schema above still documents it.
    reply.type('application/json; charset=utf-8')
    return app.changes.read(principalOf(request), {
      after: q.after,
      providers: unique(q.provider),
      limit: q.limit ?? 100,
      raw: q.include?.includes('raw') === true,
      waitSeconds: q.wait ?? 0,
      signal: gone.signal
    })
  })
}

export default changes
