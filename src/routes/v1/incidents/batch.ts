import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { GatewayError } from '../../../errors/gateway-error.ts'
import { dryRun, type BatchItem } from '../../../jobs/dry-run.ts'
import { BatchBody, DryRunResult, JobAccepted } from '../../../schemas/job.ts'
import { WriteHeaders } from '../../../schemas/requests.ts'
import { problemResponses } from '../../../schemas/responses.ts'
import { principalOf, requestContext } from '../call-options.ts'

// POST /v1/incidents/batch (spec section 11; docs/writes.md): a dry run answers at once; otherwise
// the operations become a durable job and the answer is 202 with where to follow it. The
// Idempotency-Key plugin covers the whole batch: a repeat replays the 202 and makes no second job.
const batch: FastifyPluginAsyncTypebox = async (app) => {
  app.post('/incidents/batch', {
    config: { scope: 'incidents:write' },
    schema: {
      tags: ['incidents'],
      operationId: 'batchIncidents',
      summary: 'Many writes as one job, or a dry run of them',
      description: 'Up to 500 operations (`update`, `close`, `note`, `labels`, each with the body of its single ' +
        'write and an optional `if_match`) across providers. `dry_run: true` reads each incident and answers 200 ' +
        'with every item\'s verdict (the problem its write would meet: unknown incident, provider not allowed, ' +
        'capability, value, precondition); nothing is written. Otherwise 202 with a job id: ' +
        '`GET /v1/jobs/{id}` gives its state, progress and per-item results. Jobs need the store ' +
        '(DATABASE_URL or DATA_DIR, or a syncing provider): without one, 503.',
      headers: WriteHeaders,
      body: BatchBody,
      response: {
        200: DryRunResult,
        202: JobAccepted,
        ...problemResponses(400, 401, 403, 413, 415, 422, 429, 500, 503)
      }
    }
  }, async (request, reply) => {
    const principal = principalOf(request)
    const items = request.body.operations as BatchItem[]
    if (request.body.dry_run === true) {
      const results = await dryRun(app.providers, app.incidents.etags, principal, items, requestContext(request))
      return { dry_run: true as const, results }
    }
    if (!app.jobs) {
      throw new GatewayError('service_unavailable', 'Batch jobs need the store: set DATABASE_URL (replicas) or ' +
        'DATA_DIR (one instance). Dry runs (dry_run: true) work without one.')
    }
    const jobId = await app.jobs.store.create(principal.name, items)
    app.jobs.runner.wake()
    request.log.info({ job_id: jobId, items: items.length }, 'batch job queued')
    reply.code(202).header('location', `/v1/jobs/${jobId}`)
    return { job_id: jobId, state: 'queued' as const, total: items.length }
  })
}

export default batch
