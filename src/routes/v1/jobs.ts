import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { GatewayError } from '../../errors/gateway-error.ts'
import { JobParams } from '../../schemas/job.ts'
import { problemResponses } from '../../schemas/responses.ts'
import { principalOf } from './call-options.ts'

// GET /v1/jobs/{id}: a batch job's state, progress and finished items. Only the key that made the
// job sees it; any other key gets the same 404 as an unknown id (nothing says the job exists). Scope
// incidents:read: reading is not a write, and routes with incidents:write leave an audit event each
// (src/plugins/app/audit-log.ts), which polling a job must not.
const jobs: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/jobs/:job_id', {
    config: { scope: 'incidents:read' },
    schema: {
      tags: ['incidents'],
      operationId: 'getJob',
      summary: 'A batch job',
      description: 'State (`queued`, `running`, `done`), progress and the results of its finished items in index ' +
        'order: `succeeded` with the incident as written, `failed` with the problem its single write would have ' +
        'answered, `skipped` when the key that made it lost `incidents:write`.',
      params: JobParams,
      response: { 200: Type.Ref('Job'), ...problemResponses(400, 401, 403, 404, 429, 500, 503) }
    }
  }, async (request) => {
    const job = app.jobs ? await app.jobs.store.read(request.params.job_id, principalOf(request).name) : null
    if (!job) throw new GatewayError('not_found', `No job ${request.params.job_id} of this API key.`)
    return job
  })
}

export default jobs
