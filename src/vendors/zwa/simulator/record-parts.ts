// Builders for the parts of a generated incident; generate.ts strings them together.
import type { Rng } from '../../../sim-kit/random.ts'
import {
  ADMIN_IDS, COUNTRIES, DEPARTMENTS, EMAIL_DOMAIN, ENGINES, LABELS, TICKET_SYSTEMS, userNames
} from './catalog.ts'
import type { AppSeed } from './catalog.ts'
import type { TICKET_TYPES } from './enums.ts'
import type { Label, MatchingPolicies, Note, Ticket } from './types.ts'

const DAY_MS = 86_400_000

export interface User {
  email: string
  userId: number
  department: string
  homeCountry: string
  managerIndex: number
}

const NOTE_BODIES = [
  'Contacted the user; business justification pending.',
  'File owner confirmed the share was intentional.',
  'Escalated to the privacy office.',
  'Matches a known test data set.',
  'User removed the external collaborator.'
]

// Weighted pick: `weights` lines up with `items`.
export function weighted<T> (rng: Rng, items: readonly T[], weights: readonly number[]): T {
  const total = weights.reduce((a, b) => a + b, 0)
  let roll = rng.next() * total
  for (let i = 0; i < items.length; i++) {
    roll -= weights[i]
    if (roll < 0) return items[i]
  }
  return items[items.length - 1]
}

// The first records walk through every enum value so even small data sets cover them all.
export function cycled<T> (index: number, items: readonly T[], fallback: () => T): T {
  return index < items.length ? items[index] : fallback()
}

export function letters (rng: Rng, n: number): string {
  let out = ''
  for (let i = 0; i < n; i++) out += String.fromCharCode(65 + rng.int(0, 25))
  return out
}

export function makeUsers (rng: Rng): User[] {
  return userNames().map((name, i) => ({
    email: `${name}@${EMAIL_DOMAIN}`,
    userId: 10_000 + i * 37 + rng.int(0, 36),
    department: rng.pick(DEPARTMENTS),
    homeCountry: rng.pick(COUNTRIES),
    managerIndex: rng.int(0, 5)
  }))
}

export function userInfo (rng: Rng, user: User, users: User[]): Record<string, unknown> {
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

export function policies (rng: Rng): { matchingPolicies: MatchingPolicies, matchCount: number } {
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

export function contentAdditionalInfo (
  rng: Rng, app: AppSeed, owner: string, stamp: (ms: number) => string, createdMs: number
): Record<string, unknown> {
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
    return {
      dlpMD5: md5,
      recipients: [`someone@${rng.pick(['gmail.com', 'partner.example.net'])}`],
      messageId: `<${rng.alnum(16)}@mail.example.com>`
    }
  }
  return rng.chance(0.3) ? {} : { dlpMD5: md5, fileId: '', owner: null }
}

export function makeNotes (rng: Rng, from: number, to: number, stamp: (ms: number) => string): Note[] {
  const notes: Note[] = []
  const n = rng.int(1, 2)
  for (let i = 0; i < n; i++) {
    const at = stamp(from + Math.floor(rng.next() * Math.max(1, to - from)))
    const author = rng.pick(ADMIN_IDS)
    notes.push({
      body: rng.pick(NOTE_BODIES), createdAt: at, lastUpdatedAt: at, createdBy: author, lastUpdatedBy: author
    })
  }
  return notes.sort((a, b) => a.createdAt.localeCompare(b.createdAt))
}

export function makeTicket (rng: Rng, type: typeof TICKET_TYPES[number]): Ticket {
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

export function makeLabels (rng: Rng): Label[] | null {
  const roll = rng.next()
  if (roll < 0.55) return null
  if (roll < 0.65) return []
  const picked = rng.chance(0.3) ? [LABELS[0], rng.pick(LABELS.slice(1))] : [rng.pick(LABELS)]
  return picked.map((l) => ({ key: l.key, value: rng.pick(l.values) }))
}
