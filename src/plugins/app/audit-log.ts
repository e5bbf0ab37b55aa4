import { createHash } from 'node:crypto'
import type { FastifyInstance, FastifyRequest, onResponseHookHandler, onSendHookHandler } from 'fastify'
import fp from 'fastify-plugin'
import { pino, type DestinationStream, type Logger } from 'pino'
import { PROVIDER_ID_PATTERN } from '../../schemas/enums.ts'
import type { IncidentT } from '../../schemas/incident.ts'

declare module 'fastify' {
  interface FastifyInstance {
    // Writes made outside a write route (batch job items, src/jobs/job-runner.ts): one event each,
    // on the same audit logger, counted like the route's.
    auditWrite: (event: Record<string, unknown> & { operation: string, outcome: string }) => void
  }
}

export interface AuditLogOptions {
  stream?: DestinationStream // overrides observability.audit_log (tests)
}

export interface AuditChange {
  field: string
  requested?: unknown // what the caller asked for
  after?: unknown // from the incident the write returned; absent when the write failed
  added?: unknown // notes: how many (text never logged); labels: the pairs added
}

// One event per write request, whatever its outcome, on its own pino logger so operators can ship
// it apart from the service log. What it never carries: note text (free text where analysts paste
// evidence), matched content, evidence, request bodies as such, headers, API keys (only the key's
// configured name). Label keys and values are logged: they are short triage metadata every reader
// of the incident sees, and "who set which label" is what an audit must answer.
// (test/observability/audit-log.test.ts)
const OPERATIONS: Record<string, string> = {
  updateIncident: 'update',
  closeIncident: 'close',
  addIncidentNote: 'add_note',
  addIncidentLabels: 'add_labels'
}
const PROVIDER_ID = new RegExp(PROVIDER_ID_PATTERN)
const MAX_TEXT = 256

const clip = (value: unknown): unknown =>
  typeof value === 'string' && value.length > MAX_TEXT ? `${value.slice(0, MAX_TEXT)}…` : value
const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

function labelPairs (value: unknown): Array<{ key: unknown, value: unknown }> {
  const list = Array.isArray(value) ? value : [value]
  return list.filter(isObject).slice(0, 50).map((l) => ({ key: clip(l.key), value: clip(l.value) }))
}

export function auditChanges (operation: string, body: unknown, after: Partial<IncidentT> | undefined): AuditChange[] {
  const b = isObject(body) ? body : {}
  const change = (field: keyof IncidentT, requested: boolean): AuditChange => ({
    field,
    ...(requested ? { requested: clip(b[field]) } : {}),
    ...(after ? { after: clip(after[field]) } : {})
  })
  const labelsChange = (requested: unknown): AuditChange => {
    const added = labelPairs(requested)
    const keys = new Set(added.map((l) => l.key))
    return {
      field: 'labels',
      added,
      ...(after && Array.isArray(after.labels)
        ? { after: labelPairs(after.labels.filter((l) => keys.has(l.key))) }
        : {})
    }
  }
  const out: AuditChange[] = []
  if (operation === 'update') {
    for (const field of ['status', 'severity', 'external_ref'] as const) if (field in b) out.push(change(field, true))
  } else if (operation === 'close') {
    out.push(change('status', false))
    if ('classification' in b) out.push(change('classification', true))
    if ('label' in b) out.push(labelsChange(b.label))
    if ('notes' in b) out.push({ field: 'notes', added: 1 })
  } else if (operation === 'add_note') {
    out.push({ field: 'notes', added: 1 })
  } else if (operation === 'add_labels') {
    out.push(labelsChange(b.labels))
  }
  return out
}

function openDestination (setting: string): { stream: DestinationStream, close: () => void } | null {
  if (setting === 'off') return null
  // Synchronous writes: writes are rare, and an audit line must not sit in a buffer at a crash.
  if (setting === 'stdout' || setting === 'stderr') {
    return { stream: pino.destination({ dest: setting === 'stdout' ? 1 : 2, sync: true }), close: () => {} }
  }
  const stream = pino.destination({ dest: setting, sync: true, append: true })
  return { stream, close: () => stream.end() }
}

declare module 'fastify' {
  interface FastifyInstance {
    // Other audited operations (webhooks) write their own events through it; a no-op when audit is off.
    audit: (event: Record<string, unknown>, message: string) => void
  }
}

async function auditLog (app: FastifyInstance, opts: AuditLogOptions) {
  const destination = opts.stream
    ? { stream: opts.stream, close: () => {} }
    : openDestination(app.config.observability.audit_log)
  if (!destination) {
    app.decorate('audit', () => {})
    app.decorate('auditWrite', () => {})
    return
  }
  const logger: Logger = pino({
    base: { service: 'dlp-incident-gateway', log_type: 'audit' },
    timestamp: pino.stdTimeFunctions.isoTime
  }, destination.stream)
  app.decorate('audit', (event: Record<string, unknown>, message: string) => logger.info(event, message))
  app.addHook('onClose', async () => destination.close())
  app.decorate('auditWrite', (event: Record<string, unknown> & { operation: string, outcome: string }) => {
    logger.info({ event: 'incident.write', ...event }, 'incident write')
    app.metrics.auditEvent(event.operation, event.outcome)
  })

  const payloads = new WeakMap<FastifyRequest, string>()
  // A refused key (403) has a name the audit should show; auth sets the principal only on success.
  const keyNames = new Map(app.config.api_keys.map((k) => [k.sha256.toLowerCase(), k.name]))
  const keyName = (request: FastifyRequest): string | null => {
    if (request.principal) return request.principal.name
    const match = /^Bearer ([\x21-\x7e]{1,512})$/i.exec(String(request.headers.authorization ?? '').trim())
    return match ? keyNames.get(createHash('sha256').update(match[1]).digest('hex')) ?? null : null
  }

  // The answer, to read the updated incident or the problem code from; writes are rare enough
  // that parsing it once more costs nothing that matters.
  const onSend: onSendHookHandler = (request, _reply, payload, done) => {
    if (typeof payload === 'string') payloads.set(request, payload)
    done(null, payload)
  }

  const onResponse: onResponseHookHandler = (request, reply, done) => {
    let answer: Record<string, unknown> | undefined
    try {
      const parsed: unknown = JSON.parse(payloads.get(request) ?? 'null')
      if (isObject(parsed)) answer = parsed
    } catch {}
    const status = reply.statusCode
    const ok = status < 400
    const outcome = ok ? 'ok' : (typeof answer?.code === 'string' ? answer.code : `http_${status}`)
    const schemaOperation = (request.routeOptions.schema as { operationId?: string } | undefined)?.operationId
    const operation = (schemaOperation && OPERATIONS[schemaOperation]) ?? schemaOperation ??
      `${request.method} ${request.routeOptions.url}`
    const rawId = (request.params as { id?: unknown } | undefined)?.id
    const incidentId = typeof rawId === 'string' ? rawId.slice(0, 128) : null
    const provider = incidentId?.split(':')[0]
    const traceId = request.traceSpan?.spanContext().traceId
    logger.info({
      event: 'incident.write',
      operation,
      outcome,
      status,
      key: keyName(request),
      incident_id: incidentId,
      provider: provider && PROVIDER_ID.test(provider) ? provider : null,
      request_id: request.id,
      ...(traceId ? { trace_id: traceId } : {}),
      ...(reply.getHeader('idempotent-replayed') === 'true' ? { replayed: true } : {}),
      changes: auditChanges(operation, request.body, ok ? answer as Partial<IncidentT> | undefined : undefined)
    }, 'incident write')
    app.metrics.auditEvent(operation, outcome)
    done()
  }

  // Route-level hooks on write routes only (config.scope incidents:write): reads pay nothing and
  // leave no event (test/observability/audit-log.test.ts).
  app.addHook('onRoute', (route) => {
    if (route.config?.scope !== 'incidents:write') return
    route.onSend = [...asArray(route.onSend), onSend]
    route.onResponse = [...asArray(route.onResponse), onResponse]
  })
}

const asArray = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value]

export default fp(auditLog, { name: 'audit-log', fastify: '5.x', dependencies: ['auth', 'metrics'] })
