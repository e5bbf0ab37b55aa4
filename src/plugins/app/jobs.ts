import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { ItemAudit, JobRunner } from '../../jobs/job-runner.ts'
import type { JobStore } from '../../jobs/job-store.ts'
import type { Principal } from '../../services/principal.ts'
import { auditChanges } from './audit-log.ts'

declare module 'fastify' {
  interface FastifyInstance {
    // null when no store is open (app.store): POST /v1/incidents/batch without dry_run is then 503.
    jobs: { store: JobStore, runner: JobRunner } | null
  }
}

export interface JobsPluginOptions {
  autostart?: boolean // false: tests run jobs step by step (runner.runOnce)
  pollMs?: number
}

const OPERATIONS = { update: 'update', close: 'close', note: 'add_note', labels: 'add_labels' } as const

// Batch jobs (spec section 11; docs/writes.md): their store and this replica's runner. Jobs need the
// store the mirror uses (DATABASE_URL, DATA_DIR, or the embedded one sync and demo mode open); a
// gateway without one answers 503 naming those settings rather than keeping jobs a restart loses.
async function jobs (app: FastifyInstance, opts: JobsPluginOptions) {
  if (!app.store) {
    app.decorate('jobs', null)
    return
  }
  // Imported only with a store: a gateway without one loads no job code (test/server-boot-modules.test.ts).
  const [{ JobRunner }, { JobStore }] = await Promise.all([
    import('../../jobs/job-runner.ts'), import('../../jobs/job-store.ts')
  ])
  const store = new JobStore(app.store)
  const keys = new Map(app.config.api_keys.map((k): [string, Principal] => [k.name, {
    name: k.name, scopes: new Set(k.scopes), providers: k.providers ? new Set(k.providers) : null
  }]))
  const settings = app.config.jobs
  const runner = new JobRunner({
    store,
    service: app.incidents,
    principal: (name) => keys.get(name) ?? null,
    log: app.log.child({ component: 'jobs' }),
    leaseMs: settings.lease_ms,
    itemTimeoutMs: settings.item_timeout_ms,
    retentionMs: settings.retention_days * 24 * 3600_000,
    ...(opts.pollMs ? { pollMs: opts.pollMs } : {}),
    // One audit event per item written, tied to its job; the same fields a write route's event has.
    audit: (e: ItemAudit) => {
      const operation = OPERATIONS[e.action]
      app.auditWrite({
        operation,
        outcome: e.outcome,
        status: e.outcome === 'ok' ? 200 : null,
        key: e.keyName,
        incident_id: e.incidentId,
        provider: e.incidentId.split(':')[0],
        job_id: e.jobId,
        item: e.index,
        request_id: `${e.jobId}.${e.index}`,
        changes: auditChanges(operation, e.body, e.incident)
      })
    }
  })
  app.decorate('jobs', { store, runner })
  if (opts.autostart !== false) app.addHook('onReady', async () => { runner.start() })
  // Before the store closes: the item in flight finishes, the lease is handed back.
  app.addHook('preClose', async () => { await runner.stop() })
}

export default fp(jobs, { name: 'jobs', fastify: '5.x', dependencies: ['change-feed', 'incidents', 'audit-log'] })
