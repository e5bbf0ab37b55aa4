// Deterministic incident generator: one seed and count always give byte-identical records.
import { createRng } from '../common/random.ts'
import type { Rng } from '../common/random.ts'
import {
  ADMIN_EMAILS, ADMIN_IDS, APPS, COUNTRIES, DEPARTMENTS, EMAIL_DOMAIN, ENGINES, FILES, GROUPS, LABELS,
  METADATA_BASE, TICKET_SYSTEMS, userNames
} from './catalog.ts'
import type { AppSeed } from './catalog.ts'
import {
  INTEGRATION_TYPE, NOTIFIED_ROLES, PRIORITIES, RESOLUTIONS, SEVERITIES, SOURCE_TYPES, STATUSES, TICKET_TYPES
} from './enums.ts'
import { isoMillis, isoSeconds } from './time.ts'
import type { Incident, Label, MatchingPolicies, Note, Ticket } from './types.ts'

export const DEFAULT_ANCHOR = '2025-06-30T00:00:00Z'
const DAY_MS = 86_400_000
const SPREAD_DAYS = 90

export interface GenerateOptions {
  seed: number | string
  count: number
  anchor?: string // records are created in the 90 days before this instant
}

interface User {
  email: string
  userId: number
  department: string
  homeCountry: string
  managerIndex: number
}

interface Transaction { id: string, createdMs: number, user: User, app: AppSeed, file: string | null }

const NOTE_BODIES = [
  'Contacted the user; business justification pending.',
  'File owner confirmed the share was intentional.',
  'Escalated to the privacy office.',
  'Matches a known test data set.',
  'User removed the external collaborator.'
]

// Weighted pick: `weights` lines up with `items`.
function weighted<T> (rng: Rng, items: readonly T[], weights: readonly number[]): T {
  const total = weights.reduce((a, b) => a + b, 0)
  let roll = rng.next() * total
  for (let i = 0; i < items.length; i++) {
    roll -= weights[i]
    if (roll < 0) return items[i]
  }
  return items[items.length - 1]
}

// The first records walk through every enum value so even small data sets cover them all.
function cycled<T> (index: number, items: readonly T[], fallback: () => T): T {
  return index < items.length ? items[index] : fallback()
}

function letters (rng: Rng, n: number): string {
  let out = ''
  for (let i = 0; i < n; i++) out += String.fromCharCode(65 + rng.int(0, 25))
  return out
}

function makeUsers (rng: Rng): User[] {
  return userNames().map((name, i) => ({
    email: `${name}@${EMAIL_DOMAIN}`,
    userId: 10_000 + i * 37 + rng.int(0, 36),
    department: rng.pick(DEPARTMENTS),
    homeCountry: rng.pick(COUNTRIES),
    managerIndex: rng.int(0, 5)
  }))
}

function userInfo (rng: Rng, user: User, users: User[]): Record<string, unknown> {
  const manager = users[user.managerIndex]
  return {
    name: user.email,
    email: user.email,
    clientIP: rng.chance(0.1) ? null : `10.${rng.int(0, 255)}.${rng.int(0, 255)}.${rng.int(1, 254)}`,
    uniqueIdentifier: user.email,
    userId: user.userId,
    department: user.department,
    homeCountry: user.homeCountry,
    managerInfo: { id: manager.userId, name: manager.email, email: manager.email }
  }
}

function policies (rng: Rng): { matchingPolicies: MatchingPolicies, matchCount: number } {
  const first = rng.pick(ENGINES)
  const engines = rng.chance(0.25) ? [first, rng.pick(ENGINES)].filter((e, i, all) => all.indexOf(e) === i) : [first]
  const dictionaries = [...new Set(engines.flatMap((e) => e.dictionaries))].map((name) => {
    const count = rng.int(1, 25)
    return { name, matchCount: count, nameMatchCount: `${name}[${count}]` }
  })
  const total = dictionaries.reduce((sum, d) => sum + d.matchCount, 0)
  return {
    matchingPolicies: {
      engines: engines.map((e) => ({ name: e.name, rule: e.rule })),
      rules: engines.map((e) => ({ name: e.policy })),
      dictionaries
    },
    // The real sample reports 0 despite dictionary matches, so some records do too.
    matchCount: rng.chance(0.15) ? 0 : total
  }
}

function contentAdditionalInfo (rng: Rng, app: AppSeed, owner: string, stamp: (ms: number) => string, createdMs: number): Record<string, unknown> {
  const md5 = Array.from({ length: 32 }, () => '0123456789abcdef'[rng.int(0, 15)]).join('')
  if (app.source === 'CASB') {
    return {
      fileModification: stamp(createdMs - rng.int(1, 30) * DAY_MS),
      dlpMD5: md5,
      fileId: rng.digits(12),
      owner,
      collaborators: rng.chance(0.5) ? [`partner@${rng.pick(['vendor.example.net', 'gmail.com'])}`] : []
    }
  }
  if (app.category === 'Email' || app.category === 'Webmail') {
    return { dlpMD5: md5, recipients: [`someone@${rng.pick(['gmail.com', 'partner.example.net'])}`], messageId: `<${rng.alnum(16)}@mail.example.com>` }
  }
  return rng.chance(0.3) ? {} : { dlpMD5: md5, fileId: '', owner: null }
}

function makeNotes (rng: Rng, from: number, to: number, stamp: (ms: number) => string): Note[] {
  const notes: Note[] = []
  const n = rng.int(1, 2)
  for (let i = 0; i < n; i++) {
    const at = stamp(from + Math.floor(rng.next() * Math.max(1, to - from)))
    const author = rng.pick(ADMIN_IDS)
    notes.push({ body: rng.pick(NOTE_BODIES), createdAt: at, lastUpdatedAt: at, createdBy: author, lastUpdatedBy: author })
  }
  return notes.sort((a, b) => a.createdAt.localeCompare(b.createdAt))
}

function makeTicket (rng: Rng, type: typeof TICKET_TYPES[number]): Ticket {
  const sys = TICKET_SYSTEMS[type]
  const ticketId = `${sys.prefix}${rng.int(10, 99_999)}`
  return {
    ticketType: type,
    ticketingSystemName: sys.system,
    projectId: sys.projectId,
    projectName: sys.project,
    ticketInfo: { ticketId, ticketUrl: `${sys.url}${ticketId}`, state: rng.pick(sys.states) }
  }
}

function makeLabels (rng: Rng): Label[] | null {
  const roll = rng.next()
  if (roll < 0.55) return null
  if (roll < 0.65) return []
  const picked = rng.chance(0.3) ? [LABELS[0], rng.pick(LABELS.slice(1))] : [rng.pick(LABELS)]
  return picked.map((l) => ({ key: l.key, value: rng.pick(l.values) }))
}

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
      const createdMs = anchorMs - rng.int(60, SPREAD_DAYS * 86_400) * 1000 - rng.int(0, 999)
      let id = `${createdMs}${rng.digits(7)}`
      while (txIds.has(id)) id = `${createdMs}${rng.digits(7)}`
      txIds.add(id)
      const app = rng.pick(APPS)
      const file = app.category === 'Collaboration' ? null : rng.pick(FILES).stem
      tx = { id, createdMs, user: rng.pick(users), app, file }
      transactions.push(tx)
    }
    const createdMs = tx.createdMs + (shared ? rng.int(0, 4) * 1000 : 0)
    const status = cycled(i, STATUSES, () => weighted(rng, STATUSES, [30, 15, 10, 8, 7, 30]))
    const resolution = status === 'RESOLVED'
      ? cycled(resolved++, RESOLUTIONS, () => weighted(rng, RESOLUTIONS, [60, 25, 15]))
      : null
    const updatedMs = Math.min(anchorMs, createdMs + (status === 'NEW' ? rng.int(0, 600) : rng.int(600, 10 * 86_400)) * 1000 + rng.int(0, 999))
    // Most ids carry a four-letter block; some have the plain "1-143-<transactionId>" form of the real sample.
    let internalId = !shared && rng.chance(0.15) ? `1-143-${tx.id}` : ''
    while (internalId === '' || ids.has(internalId)) internalId = `1-${rng.pick(['152', '143'])}-${letters(rng, 4)}-${tx.id}`
    ids.add(internalId)

    const app = tx.app
    const noSource = rng.chance(0.25)
    const { matchingPolicies, matchCount } = policies(rng)
    const fileType = tx.file === null ? null : FILES.find((f) => f.stem === tx.file)?.type ?? 'txt'
    const firstSeen = createdMs - rng.int(1, 120) * 1000
    const withGroups = rng.next()
    const groups = withGroups < 0.45 ? [rng.pick(GROUPS), rng.pick(GROUPS)].filter((g, k, all) => all.indexOf(g) === k) : []
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
            fileName: `${tx.file}.${fileType}`,
            fileType,
            additionalInfo: contentAdditionalInfo(rng, app, tx.user.email, stamp, createdMs)
          },
      networkInfo: rng.chance(0.8) ? null : { source: `10.${rng.int(0, 255)}.${rng.int(0, 255)}.${rng.int(1, 254)}`, destination: app.hostnameOrApplication },
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
    incident.dlpIncidentTickets = withTicket ? [makeTicket(rng, cycled(ticketed++, TICKET_TYPES, () => rng.pick(TICKET_TYPES)))] : []
    incident.labels = makeLabels(rng)
    out.push(incident)
  }
  return out
}
