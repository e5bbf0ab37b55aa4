// Deterministic generator of realistic Cloudlock incidents: same seed, count and anchor give
// byte-identical output (test/simulators/cloudlock/generate.test.ts). Only the seeded RNG is used:
// no Date.now, no Math.random.
import { createRng, type Rng } from '../../../sim-kit/random.ts'
import {
  APP_VENDORS, CHANNELS, CONTEXT_AFTER, CONTEXT_BEFORE, CUSTOMER_KEYS, FIELD_NAMES, FILE_NAMES,
  OAUTH_APPS, OBJECT_KINDS, PEOPLE, POLICIES, RECORD_NAMES, UEBA_VENDORS,
  type CataloguePerson, type CataloguePolicy, type ObjectKind
} from './catalogue.ts'
import {
  INCIDENT_STATUSES, SEVERITIES,
  type CloudlockEntity, type CloudlockIncident, type CloudlockMatch, type CloudlockPolicyRef
} from './types.ts'
import { formatTimestampUs } from './time.ts'

export const DEFAULT_ANCHOR = '2025-06-01T00:00:00.000Z'

export interface GenerateOptions {
  seed?: number | string // default 1
  count?: number // default 500
  anchor?: string | number // newest possible timestamp (ISO string or epoch ms); default DEFAULT_ANCHOR
}

const DAY_US = 86_400_000_000
const WINDOW_US = 90 * DAY_US

function weighted<T> (rng: Rng, entries: readonly (readonly [T, number])[]): T {
  const total = entries.reduce((sum, [, weight]) => sum + weight, 0)
  let roll = rng.next() * total
  for (const [value, weight] of entries) {
    roll -= weight
    if (roll < 0) return value
  }
  return entries[entries.length - 1][0]
}

function maskedText (rng: Rng, detector: CataloguePolicy['detector']): string {
  switch (detector) {
    case 'card': return `XXXXXXXXXXXX${rng.digits(4)}`
    case 'ssn': return rng.chance(0.5) ? `XXX XX ${rng.digits(4)}` : `XXX-XX-${rng.digits(4)}`
    case 'phi': return `MRN XXXXXX${rng.digits(3)}`
    case 'secret': return `AKIAXXXXXXXXXXXX${rng.alnum(4).toUpperCase()}`
    case 'iban': return `DE${rng.digits(2)} XXXX XXXX XXXX XX${rng.digits(2)} ${rng.digits(2)}`
    case 'email': return `XXXX@${rng.pick(['example.org', 'example.net'])}`
    default: return rng.pick(['Confidential', 'password', 'Password:', 'CONFIDENTIAL'])
  }
}

function makeMatches (
  rng: Rng, policy: CataloguePolicy, createdUs: number
): { matches: CloudlockMatch[], matchCount: number } {
  if (policy.kind !== 'content') return { matches: [], matchCount: 0 }
  const listed = rng.int(1, 5)
  // Lists are capped upstream, so the count can exceed what is listed; rarely nothing is listed.
  const matchCount = rng.chance(0.2) ? listed + rng.int(1, 200) : listed
  if (rng.chance(0.03)) return { matches: [], matchCount }
  const matches: CloudlockMatch[] = []
  for (let i = 0; i < listed; i++) {
    const match: CloudlockMatch = {
      created_at: formatTimestampUs(createdUs - rng.int(0, 2_000_000)),
      text: maskedText(rng, policy.detector),
      ctx_after: rng.pick(CONTEXT_AFTER),
      ctx_before: rng.pick(CONTEXT_BEFORE),
      field_name: rng.pick(FIELD_NAMES)
    }
    // policy_criteria is optional; the vendor doc shows its id once as the int 23, elsewhere a string.
    const criteria = rng.next()
    if (criteria < 0.3) match.policy_criteria = { id: String(rng.int(1, 40)) }
    else if (criteria < 0.4) match.policy_criteria = { id: rng.int(1, 40) }
    matches.push(match)
  }
  return { matches, matchCount }
}

function objectDetails (
  rng: Rng, kind: ObjectKind, owner: CataloguePerson
): { name: string, mime: string | null, originId: string, url: string } {
  const file = rng.pick(FILE_NAMES)
  const nonFileMime = rng.chance(0.2) ? null : ''
  const mime = kind.fileLike ? (rng.chance(0.05) ? null : file.mime) : nonFileMime
  const user = owner.email.split('@')[0]
  switch (`${kind.vendor}/${kind.label}`) {
    case 'google/File': {
      const id = `1${rng.alnum(32)}`
      return { name: file.name, mime, originId: id, url: `https://drive.google.com/file/d/${id}/view` }
    }
    case 'google/Email': {
      const id = rng.digits(16)
      return {
        name: `Re: ${rng.pick(RECORD_NAMES)}`, mime, originId: id, url: `https://mail.google.com/mail/u/0/#all/${id}`
      }
    }
    case 'salesforce/Lead':
    case 'salesforce/Feed Item':
    case 'salesforce/Case': {
      const prefix = kind.label === 'Lead' ? '00Q' : kind.label === 'Case' ? '500' : '0D5'
      const id = `${prefix}i${rng.alnum(11)}${rng.alnum(3).toUpperCase()}`
      const name = kind.label === 'Lead'
        ? rng.pick(RECORD_NAMES)
        : kind.label === 'Case' ? `Case ${rng.digits(8)}` : `Feed Item by ${owner.name}`
      return { name, mime, originId: id, url: `https://na15.salesforce.com/${id}` }
    }
    case 'box/File': {
      const id = String(rng.int(100_000_000_000, 999_999_999_999))
      return { name: file.name, mime, originId: id, url: `https://app.box.com/file/${id}` }
    }
    case 'office365/OneDrive File':
      return {
        name: file.name,
        mime,
        originId: `01${rng.alnum(32).toUpperCase()}`,
        url: `https://example-my.sharepoint.com/personal/${user.replace(/[.-]/g, '_')}_example_com/Documents/` +
          encodeURIComponent(file.name)
      }
    case 'office365/Teams Message': {
      const id = rng.digits(13)
      return {
        name: `Message by ${owner.name}`,
        mime,
        originId: id,
        url: `https://teams.microsoft.com/l/message/19:${rng.alnum(24)}@thread.tacv2/${id}`
      }
    }
    case 'slack/Message': {
      const id = `C${rng.alnum(10).toUpperCase()}/p${rng.digits(16)}`
      return {
        name: `Message in ${rng.pick(CHANNELS)} by ${owner.name}`,
        mime,
        originId: id,
        url: `https://example.slack.com/archives/${id}`
      }
    }
    default: {
      const id = `id:${rng.alnum(22)}`
      return {
        name: file.name, mime, originId: id, url: `https://www.dropbox.com/home/${encodeURIComponent(file.name)}`
      }
    }
  }
}

interface EntityParts {
  name: string
  mime: string | null
  originId: string
  originType: string
  url: string
  vendor: string
  label: string
  plural: string
}

// Builds the entity with the vendor's key order (reference §7 / vendor doc).
function entityOf (id: string, owner: CataloguePerson, parts: EntityParts): CloudlockEntity {
  return {
    id,
    name: parts.name,
    mime_type: parts.mime,
    owner_email: owner.email,
    owner_name: owner.name,
    origin_id: parts.originId,
    origin_type: parts.originType,
    direct_url: parts.url,
    vendor: { name: parts.vendor },
    extra: { origin_type_label: parts.label, origin_type_label_plural: parts.plural }
  }
}

function makeEntity (rng: Rng, policy: CataloguePolicy): CloudlockEntity {
  const owner = rng.pick(PEOPLE)
  const id = rng.alnum(10)
  if (policy.kind === 'ueba') {
    // For UEBA incidents origin_id is the activity event id looked up with /activities?ids=.
    return entityOf(id, owner, {
      name: policy.name === 'Login from Unusual Location' ? `Login by ${owner.email}` : `Downloads by ${owner.email}`,
      mime: '',
      originId: `-${rng.digits(19)}#0`,
      originType: 'event',
      url: '',
      vendor: rng.pick(UEBA_VENDORS),
      label: 'Event',
      plural: 'Events'
    })
  }
  if (policy.kind === 'app') {
    const vendor = rng.pick(APP_VENDORS)
    const originId = vendor === 'google'
      ? `${rng.digits(12)}-${rng.alnum(16).toLowerCase()}.apps.googleusercontent.com`
      : rng.alnum(24)
    return entityOf(id, owner, {
      name: rng.pick(OAUTH_APPS),
      mime: '',
      originId,
      originType: 'app',
      url: vendor === 'google'
        ? 'https://admin.google.com/ac/owl/list'
        : `https://${vendor}.example.com/apps/${originId}`,
      vendor,
      label: 'Application',
      plural: 'Applications'
    })
  }
  // Context policies (sharing) concern stored files only.
  const kind = rng.pick(policy.kind === 'context' ? OBJECT_KINDS.filter((k) => k.fileLike) : OBJECT_KINDS)
  const details = objectDetails(rng, kind, owner)
  return entityOf(id, owner, {
    name: details.name,
    mime: details.mime,
    originId: details.originId,
    originType: kind.originType,
    url: details.url,
    vendor: kind.vendor,
    label: kind.label,
    plural: kind.plural
  })
}

function makePolicyRef (rng: Rng, policy: CataloguePolicy): CloudlockPolicyRef {
  // The vendor's own example once carries an empty id and null extra keys: tolerate it downstream.
  if (rng.chance(0.03)) return { id: '', name: policy.name, state: null, created_at: null, updated_at: null }
  return { id: policy.id, name: policy.name }
}

export function anchorToUs (anchor: string | number): number {
  const ms = typeof anchor === 'number' ? anchor : Date.parse(anchor)
  if (!Number.isFinite(ms)) throw new Error(`invalid anchor: ${String(anchor)}`)
  return Math.round(ms) * 1000
}

export function generateIncidents (opts: GenerateOptions = {}): CloudlockIncident[] {
  const count = opts.count ?? 500
  if (!Number.isInteger(count) || count < 0) throw new Error('count must be a non-negative integer')
  const rng = createRng(`cloudlock:${opts.seed ?? 1}`)
  const anchorUs = anchorToUs(opts.anchor ?? DEFAULT_ANCHOR)

  const created: number[] = []
  for (let i = 0; i < count; i++) created.push(anchorUs - WINDOW_US + rng.int(0, WINDOW_US - 60_000_000))
  created.sort((a, b) => a - b)
  // A few exact ties exercise the id tie-break and the (timestamp, offset) polling checkpoint.
  for (let i = 1; i < count; i++) if (rng.chance(0.04)) created[i] = created[i - 1]

  let nextId = 320_000_000 + rng.int(0, 999_999)
  let lastBulkUpdate = 0
  const incidents: CloudlockIncident[] = []
  for (let i = 0; i < count; i++) {
    const createdUs = created[i]
    const ageDays = (anchorUs - createdUs) / DAY_US
    const policy = weighted(rng, POLICIES.map((p) => [p, p.kind === 'content' ? 4 : 1] as const))
    // The first four cycle through every value so even tiny data sets hold each enum.
    const severity = i < 4
      ? SEVERITIES[i]
      : weighted(rng, [['INFO', 20], ['WARNING', 35], ['ALERT', 30], ['CRITICAL', 15]] as const)
    const status = i < 4
      ? INCIDENT_STATUSES[(i + 2) % 4]
      : weighted(rng, [
        ['NEW', ageDays > 30 ? 15 : 45], ['IN PROGRESS', 20], ['RESOLVED', ageDays > 30 ? 45 : 20], ['DISMISSED', 15]
      ] as const)

    let updatedUs: number
    if (status === 'NEW') {
      // The vendor doc shows updated_at a fraction of a second *before* created_at; keep that quirk.
      updatedUs = rng.chance(0.05) ? createdUs - rng.int(100_000, 400_000) : createdUs + rng.int(0, 900_000)
    } else if (lastBulkUpdate >= createdUs && rng.chance(0.1)) {
      updatedUs = lastBulkUpdate // bulk triage: several incidents share one updated_at
    } else {
      updatedUs = Math.min(createdUs + rng.int(60_000_000, 10 * DAY_US), anchorUs - rng.int(1_000_000, 60_000_000))
      updatedUs = Math.max(updatedUs, createdUs)
      lastBulkUpdate = updatedUs
    }

    const { matches, matchCount } = makeMatches(rng, policy, createdUs)
    const incident: CloudlockIncident = {
      id: String(nextId),
      customer_key: status !== 'NEW' && rng.chance(0.2) ? rng.pick(CUSTOMER_KEYS) : '',
      incident_status: status,
      severity,
      created_at: formatTimestampUs(createdUs),
      updated_at: formatTimestampUs(updatedUs),
      match_count: matchCount,
      entity: makeEntity(rng, policy),
      policy: makePolicyRef(rng, policy),
      matches
    }
    incidents.push(incident)
    nextId += rng.int(1, 40)
  }
  return incidents
}
