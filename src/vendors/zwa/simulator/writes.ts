// State changes of close, notes, labels and delete. Each write moves lastUpdatedAt, records change
// history and appends an audit log entry (what POST /dlp/v1/customer/audit serves).
import type { Clock } from '../../../sim-kit/clock.ts'
import { entry } from './derive.ts'
import { CHANGE_TYPES } from './enums.ts'
import { badRequest, ZwaError } from './errors.ts'
import { isPlainObject } from './json.ts'
import type { ZwaStore } from './store.ts'
import { isoMillis } from './time.ts'
import type { Incident, Label } from './types.ts'

export const AUDIT_MODULE = 'INCIDENTS'
// Notes written through the API carry user id 0, as in the real sample.
const API_USER_ID = 0

export interface WritePolicy {
  resolutionCodes: readonly string[] // accepted resolutionCode values
  defaultResolutionCode: string | null // used when close carries none; null keeps the current one
  closeResolved: 'allow' | 'reject' // closing an incident that is already RESOLVED
  labelsMode: 'merge' | 'replace'
}

export interface WriteContext {
  store: ZwaStore
  clock: Clock
  actor: string // changedByName / changedBy of what this caller writes
  policy: WritePolicy
}

function requireObject (body: unknown): Record<string, unknown> {
  if (!isPlainObject(body)) throw badRequest('Request body must be a JSON object')
  return body
}

// Empty strings count as absent: the Go SDK sends "" for every close field it does not set.
function optionalString (body: Record<string, unknown>, key: string): string | undefined {
  const value = body[key]
  if (value === undefined || value === null || value === '') return undefined
  if (typeof value !== 'string') throw badRequest(`"${key}" must be a string`)
  return value
}

function readLabel (value: unknown, where: string): Label | undefined {
  if (value === undefined || value === null) return undefined
  if (!isPlainObject(value) || typeof value.key !== 'string' || typeof value.value !== 'string') {
    throw badRequest(`${where} must be {"key": string, "value": string}`)
  }
  if (value.key === '' && value.value === '') return undefined
  if (value.key.trim() === '') throw badRequest(`${where} needs a non-empty "key"`)
  return { key: value.key, value: value.value }
}

// Merge by key: an existing key takes the new value in place, new keys are appended.
function applyLabels (current: Label[] | null | undefined, added: Label[], mode: WritePolicy['labelsMode']): Label[] {
  const out = mode === 'replace' ? [] : (current ?? []).map((l) => ({ ...l }))
  for (const label of added) {
    const same = out.find((l) => l.key === label.key)
    if (same === undefined) {
      out.push({ ...label })
    } else {
      same.value = label.value
    }
  }
  return out
}

function touch (ctx: WriteContext, incident: Incident): string {
  const now = isoMillis(ctx.clock())
  incident.lastUpdatedAt = now
  return now
}

function audit (
  ctx: WriteContext, action: string, incident: Incident, before: unknown, after: unknown, note: string, at: string
): void {
  ctx.store.recordAudit({
    action: { action },
    module: AUDIT_MODULE,
    resource: incident.internalId,
    changedAt: at,
    changedBy: ctx.actor,
    oldRowJson: before === undefined ? '' : JSON.stringify(before),
    newRowJson: after === undefined ? '' : JSON.stringify(after),
    changeNote: note
  })
}

const stateOf = (i: Incident): Record<string, unknown> =>
  ({ status: i.status ?? null, resolution: i.resolution ?? null, labels: i.labels ?? null })

export function closeIncident (ctx: WriteContext, incident: Incident, rawBody: unknown): Incident {
  const body = requireObject(rawBody)
  const label = readLabel(body.resolutionLabel, '"resolutionLabel"')
  const code = optionalString(body, 'resolutionCode')
  const notes = optionalString(body, 'notes')
  if (code !== undefined && !ctx.policy.resolutionCodes.includes(code)) {
    throw badRequest(`Unsupported resolutionCode "${code}"; supported: ${ctx.policy.resolutionCodes.join(', ')}`)
  }
  if (incident.status === 'RESOLVED' && ctx.policy.closeResolved === 'reject') {
    throw badRequest(`Incident ${incident.internalId} is already resolved`)
  }
  const before = stateOf(incident)
  const at = touch(ctx, incident)
  const history = (type: string, b: string | null, a: string | null, comment: string | null = null): void =>
    ctx.store.recordChange(incident.internalId, entry(type, at, ctx.actor, b, a, comment))

  incident.status = 'RESOLVED'
  const resolution = code ?? ctx.policy.defaultResolutionCode ?? incident.resolution ?? null
  incident.resolution = resolution
  if (before.status !== 'RESOLVED') {
    history(CHANGE_TYPES.status, before.status as string | null, 'RESOLVED', notes ?? null)
  }
  if (before.resolution !== resolution) history(CHANGE_TYPES.resolution, before.resolution as string | null, resolution)
  if (label !== undefined) {
    incident.labels = applyLabels(incident.labels, [label], 'merge')
    history(CHANGE_TYPES.labels, JSON.stringify(before.labels), JSON.stringify(incident.labels))
  }
  if (notes !== undefined) {
    appendNote(incident, notes, at)
    history(CHANGE_TYPES.note, null, notes)
  }
  audit(ctx, 'UPDATE', incident, before, stateOf(incident), 'Incident closed', at)
  return incident
}

function appendNote (incident: Incident, body: string, at: string): void {
  const note = { body, createdAt: at, lastUpdatedAt: at, createdBy: API_USER_ID, lastUpdatedBy: API_USER_ID }
  incident.notes = [...(incident.notes ?? []), note]
}

export function addNote (ctx: WriteContext, incident: Incident, rawBody: unknown): Incident {
  const body = requireObject(rawBody)
  const text = body.notes
  if (typeof text !== 'string' || text.trim() === '') throw badRequest('"notes" must be a non-empty string')
  const at = touch(ctx, incident)
  appendNote(incident, text, at)
  ctx.store.recordChange(incident.internalId, entry(CHANGE_TYPES.note, at, ctx.actor, null, text, null))
  audit(ctx, 'UPDATE', incident, undefined, { note: text }, 'Note added', at)
  return incident
}

export function addLabels (ctx: WriteContext, incident: Incident, rawBody: unknown): Incident {
  const body = requireObject(rawBody)
  if (!Array.isArray(body.labels)) throw badRequest('"labels" must be an array of {"key", "value"}')
  const added = body.labels.map((l, i) => readLabel(l, `"labels[${i}]"`)).filter((l): l is Label => l !== undefined)
  // An empty list changes nothing, so nothing is recorded either.
  if (added.length === 0 && ctx.policy.labelsMode === 'merge') return incident
  const before = incident.labels ?? null
  const at = touch(ctx, incident)
  incident.labels = applyLabels(incident.labels, added, ctx.policy.labelsMode)
  ctx.store.recordChange(incident.internalId,
    entry(CHANGE_TYPES.labels, at, ctx.actor, JSON.stringify(before), JSON.stringify(incident.labels), null))
  audit(ctx, 'UPDATE', incident, { labels: before }, { labels: incident.labels }, 'Labels assigned', at)
  return incident
}

export function deleteIncident (ctx: WriteContext, id: string): void {
  const incident = ctx.store.delete(id)
  if (incident === undefined) throw new ZwaError(404, `Incident not found: ${id}`)
  audit(ctx, 'DELETE', incident, incident, undefined, 'Incident deleted', isoMillis(ctx.clock()))
}
