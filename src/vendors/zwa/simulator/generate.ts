// Deterministic incident generator: one seed and count always give byte-identical records
// (test/simulators/zwa/generate.test.ts).
import { createRng } from '../../../sim-kit/random.ts'
import { ADMIN_EMAILS, APPS, FILES, GROUPS, METADATA_BASE } from './catalog.ts'
import type { AppSeed, FileSeed } from './catalog.ts'
import {
  INTEGRATION_TYPE, NOTIFIED_ROLES, PRIORITIES, RESOLUTIONS, SEVERITIES, SOURCE_TYPES, STATUSES, TICKET_TYPES
} from './enums.ts'
import {
  contentAdditionalInfo, cycled, letters, makeLabels, makeNotes, makeTicket, makeUsers, policies, userInfo, weighted
} from './record-parts.ts'
import type { User } from './record-parts.ts'
import { isoMillis, isoSeconds } from './time.ts'
import type { Incident } from './types.ts'

export const DEFAULT_ANCHOR = '2025-06-30T00:00:00Z'
const SPREAD_DAYS = 90
// Transaction ids embed a creation time as if the anchor were DEFAULT_ANCHOR, so ids depend on the
// seed alone: demo mode anchors its data at start-up time and its example ids still exist every day.
const ID_ANCHOR_MS = Date.parse(DEFAULT_ANCHOR)

export interface GenerateOptions {
  seed: number | string
  count: number
  anchor?: string // records are created in the 90 days before this instant
}

interface Transaction { id: string, createdMs: number, user: User, app: AppSeed, file: FileSeed | null }

export function generateIncidents (opts: GenerateOptions): Incident[] {
  const rng = createRng(`zwa:${opts.seed}`)
  const anchorMs = Date.parse(opts.anchor ?? DEFAULT_ANCHOR)
  if (Number.isNaN(anchorMs)) throw new RangeError(`anchor is not a date: ${opts.anchor}`)
  const users = makeUsers(rng)
  const transactions: Transaction[] = []
  const ids = new Set<string>()
  const txIds = new Set<string>()
  const out: Incident[] = []
  let resolved = 0
  let ticketed = 0

  for (let i = 0; i < opts.count; i++) {
    // Real data has whole-second timestamps, API examples milliseconds: each record keeps one style.
    const stamp = rng.chance(0.6) ? isoSeconds : isoMillis
    let tx: Transaction
    const shared = transactions.length > 0 && rng.chance(0.08)
    if (shared) {
      tx = rng.pick(transactions)
    } else {
      const ageMs = rng.int(60, SPREAD_DAYS * 86_400) * 1000 + rng.int(0, 999)
      const createdMs = anchorMs - ageMs
      const idMs = ID_ANCHOR_MS - ageMs
      let id = `${idMs}${rng.digits(7)}`
      while (txIds.has(id)) id = `${idMs}${rng.digits(7)}`
      txIds.add(id)
      const app = rng.pick(APPS)
      const file = app.category === 'Collaboration' ? null : rng.pick(FILES)
      tx = { id, createdMs, user: rng.pick(users), app, file }
      transactions.push(tx)
    }
    const createdMs = tx.createdMs + (shared ? rng.int(0, 4) * 1000 : 0)
    const status = cycled(i, STATUSES, () => weighted(rng, STATUSES, [30, 15, 10, 8, 7, 30]))
    const resolution = status === 'RESOLVED'
      ? cycled(resolved++, RESOLUTIONS, () => weighted(rng, RESOLUTIONS, [60, 25, 15]))
      : null
    const updatedMs = Math.min(anchorMs,
      createdMs + (status === 'NEW' ? rng.int(0, 600) : rng.int(600, 10 * 86_400)) * 1000 + rng.int(0, 999))
    // Most ids carry a four-letter block; some have the plain "1-143-<transactionId>" form of the real sample.
    let internalId = !shared && rng.chance(0.15) ? `1-143-${tx.id}` : ''
    while (internalId === '' || ids.has(internalId)) {
      internalId = `1-${rng.pick(['152', '143'])}-${letters(rng, 4)}-${tx.id}`
    }
    ids.add(internalId)

    const app = tx.app
    const noSource = rng.chance(0.25)
    const { matchingPolicies, matchCount } = policies(rng)
    const firstSeen = createdMs - rng.int(1, 120) * 1000
    const withGroups = rng.next()
    const groups = withGroups < 0.45
      ? [rng.pick(GROUPS), rng.pick(GROUPS)].filter((g, k, all) => all.indexOf(g) === k)
      : []
    const withTicket = status !== 'NEW' && rng.chance(0.3)

    const incident: Incident = {
      internalId,
      integrationType: INTEGRATION_TYPE,
      transactionId: tx.id,
      sourceType: noSource ? null : app.source,
      sourceSubType: noSource ? null : rng.pick(SOURCE_TYPES[app.source]),
      sourceActions: [rng.pick(app.actions)],
      severity: cycled(i, SEVERITIES, () => weighted(rng, SEVERITIES, [30, 35, 32, 3])),
      priority: cycled(i, PRIORITIES.slice(1).concat(PRIORITIES[0]), () => rng.pick(PRIORITIES)),
      matchingPolicies,
      matchCount,
      createdAt: stamp(createdMs),
      lastUpdatedAt: stamp(updatedMs),
      sourceFirstObservedAt: stamp(firstSeen),
      sourceLastObservedAt: stamp(rng.chance(0.7) ? firstSeen : createdMs),
      userInfo: userInfo(rng, tx.user, users),
      applicationInfo: {
        url: app.url,
        category: app.category,
        name: app.name,
        hostnameOrApplication: app.hostnameOrApplication,
        additionalInfo: {}
      },
      contentInfo: tx.file === null
        ? null
        : {
            fileName: `${tx.file.stem}.${tx.file.type}`,
            fileType: tx.file.type,
            additionalInfo: contentAdditionalInfo(rng, app, tx.user.email, stamp, createdMs)
          },
      networkInfo: rng.chance(0.8)
        ? null
        : {
            source: `10.${rng.int(0, 255)}.${rng.int(0, 255)}.${rng.int(1, 254)}`,
            destination: app.hostnameOrApplication
          },
      metadataFileUrl: `${METADATA_BASE}${tx.id}.json`,
      status,
      resolution,
      assignedAdmin: { email: rng.pick(ADMIN_EMAILS) },
      lastNotifiedUser: { role: weighted(rng, NOTIFIED_ROLES, [85, 15]), email: tx.user.email },
      notes: status !== 'NEW' && rng.chance(0.4) ? makeNotes(rng, createdMs, updatedMs, stamp) : [],
      closedCode: null
    }
    // Some real records omit the group keys entirely; others carry empty lists.
    if (withGroups < 0.8) {
      incident.incidentGroupIds = groups.map((g) => g.id)
      incident.incidentGroups = groups.map((g) => ({ id: g.id, name: g.name, description: g.description }))
    }
    incident.dlpIncidentTickets = withTicket
      ? [makeTicket(rng, cycled(ticketed++, TICKET_TYPES, () => rng.pick(TICKET_TYPES)))]
      : []
    incident.labels = makeLabels(rng)
    out.push(incident)
  }
  return out
}
