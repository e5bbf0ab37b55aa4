// Checks native records handed to the simulator (fixtures, POST /__sim/incidents). Records are kept as
// given; only internalId, transactionId, createdAt and lastUpdatedAt are filled in when missing.
import { SimInputError } from '../../../sim-kit/sim-kit.ts'
import { integerText, isPlainObject } from './json.ts'
import { isoMillis, parseIso } from './time.ts'
import type { Incident } from './types.ts'

// The gateway's rule for native ZWA ids (spec §2), applied to transaction ids as well.
export const ID_PATTERN = /^[A-Za-z0-9-]{1,64}$/
const NULLABLE_STRINGS = [
  'integrationType', 'sourceType', 'sourceSubType', 'severity', 'priority', 'status', 'resolution', 'closedCode',
  'metadataFileUrl', 'sourceLastObservedAt'
]
const NULLABLE_OBJECTS = [
  'matchingPolicies', 'userInfo', 'applicationInfo', 'contentInfo', 'assignedAdmin', 'lastNotifiedUser'
]
const NULLABLE_ARRAYS = ['sourceActions', 'notes', 'dlpIncidentTickets']

export interface FillContext {
  now: number
  freshTransactionId: () => string
  freshInternalId: (transactionId: string) => string
}

// `where` names the record in messages: its index in a batch, or a label such as "patch".
export function validateRecord (raw: unknown, where: number | string, ctx: FillContext): Incident {
  const label = typeof where === 'number' ? `incident [${where}]` : where
  const fail = (message: string): never => { throw new SimInputError(`${label}: ${message}`) }
  if (!isPlainObject(raw)) return fail('must be a JSON object')
  const rec: Record<string, unknown> = raw

  for (const key of ['internalId', 'transactionId']) {
    if (rec[key] !== undefined && (typeof rec[key] !== 'string' || !ID_PATTERN.test(rec[key]))) {
      fail(`"${key}" must be 1-64 letters, digits or "-"`)
    }
  }
  for (const key of ['createdAt', 'lastUpdatedAt', 'sourceFirstObservedAt']) {
    if (rec[key] !== undefined && rec[key] !== null && parseIso(rec[key]) === undefined) {
      fail(`"${key}" must be an ISO-8601 date-time such as 2023-03-13T08:50:46Z`)
    }
  }
  for (const key of NULLABLE_STRINGS) {
    if (rec[key] !== undefined && rec[key] !== null && typeof rec[key] !== 'string') {
      fail(`"${key}" must be a string or null`)
    }
  }
  for (const key of NULLABLE_OBJECTS) {
    if (rec[key] !== undefined && rec[key] !== null && !isPlainObject(rec[key])) {
      fail(`"${key}" must be an object or null`)
    }
  }
  for (const key of NULLABLE_ARRAYS) {
    if (rec[key] !== undefined && rec[key] !== null && !Array.isArray(rec[key])) {
      fail(`"${key}" must be an array or null`)
    }
  }
  if (rec.matchCount !== undefined && rec.matchCount !== null && !Number.isInteger(rec.matchCount)) {
    fail('"matchCount" must be an integer')
  }
  checkLabels(rec.labels, fail)
  checkGroups(rec, fail)

  const transactionId = typeof rec.transactionId === 'string'
    ? rec.transactionId
    : (typeof rec.internalId === 'string' ? /-(\d{10,})$/.exec(rec.internalId)?.[1] : undefined) ??
        ctx.freshTransactionId()
  const internalId = typeof rec.internalId === 'string' ? rec.internalId : ctx.freshInternalId(transactionId)
  const now = isoMillis(ctx.now)
  // Given keys keep their order; filled ids go first, filled timestamps after the given fields.
  const filled: Record<string, unknown> = {}
  if (rec.internalId === undefined) filled.internalId = internalId
  if (rec.transactionId === undefined) filled.transactionId = transactionId
  const out = { ...filled, ...rec } as Incident
  if (typeof rec.createdAt !== 'string') out.createdAt = now
  if (typeof rec.lastUpdatedAt !== 'string') out.lastUpdatedAt = now
  return out
}

function checkLabels (labels: unknown, fail: (m: string) => never): void {
  if (labels === undefined || labels === null) return
  if (!Array.isArray(labels) ||
    !labels.every((l) => isPlainObject(l) && typeof l.key === 'string' && typeof l.value === 'string')) {
    fail('"labels" must be null or an array of {key, value} strings')
  }
}

function checkGroups (rec: Record<string, unknown>, fail: (m: string) => never): void {
  const ids = rec.incidentGroupIds
  if (ids !== undefined && (!Array.isArray(ids) ||
    !ids.every((id) => typeof id !== 'string' && integerText(id) !== undefined))) {
    fail('"incidentGroupIds" must be an array of integers')
  }
  const groups = rec.incidentGroups
  if (groups !== undefined && (!Array.isArray(groups) ||
    !groups.every((g) => isPlainObject(g) && typeof g.id !== 'string' && integerText(g.id) !== undefined))) {
    fail('"incidentGroups" must be an array of {id: integer, name, description}')
  }
}
