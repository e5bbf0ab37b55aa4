// Activity mode for ZWA: new incidents generated like the seeded ones but created now, and console
// changes to stored ones (triage, resolution, severity, labels), all through console.ts.
import type { ActivityAction, ActivityVendor } from '../../../sim-kit/sim-kit.ts'
import type { Rng } from '../../../sim-kit/random.ts'
import { ADMIN_EMAILS, LABELS, METADATA_BASE } from './catalog.ts'
import { patchIncident } from './console.ts'
import type { ZwaContext } from './context.ts'
import { RESOLUTIONS, SEVERITIES } from './enums.ts'
import { generateIncidents } from './generate.ts'
import { letters, weighted } from './record-parts.ts'
import { isoMillis, isoSeconds } from './time.ts'
import type { Incident } from './types.ts'

// The generator walks every enum value in its first records; index 6 is past all those cycles, so
// the template's status, severity and priority are drawn like the bulk of the seeded data.
const TEMPLATE_COUNT = 7
const TRIAGE_STATUSES = ['INVESTIGATING', 'VALIDATING_WITH_USER', 'ESCALATED'] as const

function create (ctx: ZwaContext, rng: Rng): ActivityAction {
  const now = ctx.options.clock()
  const template = generateIncidents({ seed: `activity:${rng.alnum(10)}`, count: TEMPLATE_COUNT })[TEMPLATE_COUNT - 1]
  let tx = `${now}${rng.digits(7)}`
  while (ctx.store.byTransaction(tx).length > 0) tx = `${now}${rng.digits(7)}`
  const internalId = `1-${rng.pick(['152', '143'])}-${letters(rng, 4)}-${tx}`
  // Keep the template's timestamp style (whole seconds or milliseconds), as each seeded record does.
  const stamp = /\.\d{3}Z$/.test(template.createdAt) ? isoMillis : isoSeconds
  const firstSeen = now - rng.int(1, 120) * 1000
  const record: Incident = {
    ...template,
    internalId,
    transactionId: tx,
    createdAt: stamp(now),
    lastUpdatedAt: stamp(now),
    sourceFirstObservedAt: stamp(firstSeen),
    sourceLastObservedAt: stamp(rng.chance(0.7) ? firstSeen : now),
    metadataFileUrl: `${METADATA_BASE}${tx}.json`,
    status: 'NEW',
    resolution: null,
    notes: [],
    closedCode: null,
    dlpIncidentTickets: [],
    labels: null
  }
  ctx.store.add([record])
  return { type: 'created', id: internalId, changed: [] }
}

// Status moves forward the way analysts triage: NEW to a working state, working states to RESOLVED
// with a resolution (or, while validating with the user, to the user's answer first).
function progress (ctx: ZwaContext, rng: Rng, incident: Incident): Record<string, unknown> {
  if (incident.status === 'NEW') return { status: weighted(rng, TRIAGE_STATUSES, [60, 20, 20]) }
  if (incident.status === 'VALIDATING_WITH_USER' && rng.chance(0.5)) {
    return { status: 'JUSTIFICATION_RESPONSE_RECEIVED' }
  }
  const codes = ctx.options.write.resolutionCodes.length > 0 ? ctx.options.write.resolutionCodes : RESOLUTIONS
  return { status: 'RESOLVED', resolution: rng.pick(codes) }
}

function severity (rng: Rng, incident: Incident): Record<string, unknown> {
  return { severity: rng.pick(SEVERITIES.filter((s) => s !== incident.severity)) }
}

// One label the incident does not carry yet (same key: the value changes); undefined if it has them all.
function label (rng: Rng, incident: Incident): Record<string, unknown> | undefined {
  const current = incident.labels ?? []
  const options = LABELS.flatMap((l) => l.values.map((value) => ({ key: l.key, value })))
    .filter((o) => !current.some((c) => c.key === o.key && c.value === o.value))
  if (options.length === 0) return undefined
  const added = rng.pick(options)
  const same = current.some((c) => c.key === added.key)
  return { labels: same ? current.map((c) => c.key === added.key ? added : c) : [...current, added] }
}

function change (ctx: ZwaContext, rng: Rng): ActivityAction | undefined {
  const all = [...ctx.store.all()]
  if (all.length === 0) return undefined
  const kind = weighted(rng, ['status', 'severity', 'label'] as const, [50, 25, 25])
  const open = all.filter((i) => i.status !== 'RESOLVED')
  let incident: Incident
  let patch: Record<string, unknown> | undefined
  if (kind === 'status' && open.length > 0) {
    incident = rng.pick(open)
    patch = progress(ctx, rng, incident)
  } else {
    incident = rng.pick(all)
    patch = kind === 'label' ? label(rng, incident) : undefined
    patch ??= severity(rng, incident)
  }
  const actor = rng.pick(ADMIN_EMAILS)
  patchIncident({ store: ctx.store, clock: ctx.options.clock, actor }, incident.internalId, patch)
  return { type: 'updated', id: incident.internalId, changed: [...Object.keys(patch), 'lastUpdatedAt'] }
}

export function zwaActivity (ctx: ZwaContext): ActivityVendor {
  return { create: (rng) => create(ctx, rng), change: (rng) => change(ctx, rng) }
}
