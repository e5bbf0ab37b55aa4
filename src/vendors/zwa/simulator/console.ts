// Changes made "at the ZWA console" (PATCH /__sim/incidents/:id, activity mode): they move
// lastUpdatedAt, leave change history and an audit entry, like the API writes in writes.ts.
import type { Clock } from '../../../sim-kit/clock.ts'
import { SimInputError } from '../../../sim-kit/sim-kit.ts'
import { ADMIN_EMAILS } from './catalog.ts'
import { entry } from './derive.ts'
import { CHANGE_TYPES } from './enums.ts'
import { cloneJson } from './json.ts'
import type { ZwaStore } from './store.ts'
import { isoMillis } from './time.ts'
import type { Incident } from './types.ts'
import { validateRecord } from './validate.ts'
import { AUDIT_MODULE, deleteIncident, type WritePolicy } from './writes.ts'

// Who the admin API acts as in change history and the audit log.
export const CONSOLE_ADMIN = ADMIN_EMAILS[0]

export interface ConsoleContext {
  store: ZwaStore
  clock: Clock
  actor: string
}

// Fields whose changes the change history records, with their change types.
const TRACKED: Array<[keyof Incident, string]> = [
  ['status', CHANGE_TYPES.status], ['resolution', CHANGE_TYPES.resolution], ['labels', CHANGE_TYPES.labels]
]

const text = (value: unknown): string | null =>
  value === undefined || value === null ? null : typeof value === 'string' ? value : JSON.stringify(value)

const noFreshIds = (): never => { throw new SimInputError('patch: ids cannot be generated for a patch') }

// Shallow merge (nested objects are replaced whole). The merged record must pass the rules of
// POST /__sim/incidents; otherwise nothing changes. undefined: no such incident.
export function patchIncident (
  ctx: ConsoleContext, id: string, rawPatch: Record<string, unknown>
): Incident | undefined {
  const current = ctx.store.get(id)
  if (current === undefined) return undefined
  const patch = cloneJson(rawPatch)
  if (patch.internalId !== undefined && patch.internalId !== id) {
    throw new SimInputError('patch: "internalId" cannot change')
  }
  for (const key of ['createdAt', 'lastUpdatedAt']) {
    if (key in patch && typeof patch[key] !== 'string') {
      throw new SimInputError(`patch: "${key}" must be an ISO-8601 date-time string`)
    }
  }
  const now = ctx.clock()
  const merged: Record<string, unknown> = { ...current, ...patch }
  if (patch.lastUpdatedAt === undefined) merged.lastUpdatedAt = isoMillis(now)
  const next = validateRecord(merged, 'patch', { now, freshTransactionId: noFreshIds, freshInternalId: noFreshIds })
  ctx.store.replace(next)

  const at = next.lastUpdatedAt
  for (const [field, changeType] of TRACKED) {
    const [before, after] = [text(current[field]), text(next[field])]
    if (before !== after) ctx.store.recordChange(id, entry(changeType, at, ctx.actor, before, after, null))
  }
  const changed = Object.keys(patch).filter((k) => text(current[k]) !== text(next[k]))
  ctx.store.recordAudit({
    action: { action: 'UPDATE' },
    module: AUDIT_MODULE,
    resource: id,
    changedAt: at,
    changedBy: ctx.actor,
    oldRowJson: JSON.stringify(Object.fromEntries(changed.map((k) => [k, current[k] ?? null]))),
    newRowJson: JSON.stringify(Object.fromEntries(changed.map((k) => [k, next[k] ?? null]))),
    changeNote: 'Incident updated'
  })
  return next
}

// As the vendor DELETE route does (audit entry included); false: no such incident.
export function consoleDelete (ctx: ConsoleContext, policy: WritePolicy, id: string): boolean {
  if (ctx.store.get(id) === undefined) return false
  deleteIncident({ ...ctx, policy }, id)
  return true
}
