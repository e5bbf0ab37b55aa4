// Activity mode for Cloudlock: new incidents generated like the seeded ones but created now, and
// console triage of stored ones (status forward, severity), each moving updated_at.
import type { ActivityAction, ActivityVendor } from '../../../sim-kit/sim-kit.ts'
import type { Clock } from '../../../sim-kit/clock.ts'
import type { Rng } from '../../../sim-kit/random.ts'
import { CUSTOMER_KEYS } from './catalogue.ts'
import { generateIncidents } from './generate.ts'
import type { IncidentStore, StoredIncident } from './store.ts'
import { formatTimestampUs } from './time.ts'
import { SEVERITIES, type NativeRecord } from './types.ts'

// The generator cycles every severity and status through its first four records; index 4 is drawn
// like the bulk of the seeded data.
const TEMPLATE_COUNT = 5
const OPEN = new Set(['NEW', 'IN PROGRESS'])

function create (store: IncidentStore, clock: Clock, rng: Rng): ActivityAction {
  const nowUs = Math.round(clock()) * 1000
  const template = generateIncidents({ seed: `activity:${rng.alnum(10)}`, count: TEMPLATE_COUNT })[TEMPLATE_COUNT - 1]
  const createdAt = formatTimestampUs(nowUs)
  // No id: the store assigns the next one above every id it has held, as the vendor's sequence would.
  const record: NativeRecord = {
    ...template,
    customer_key: '',
    incident_status: 'NEW',
    created_at: createdAt,
    updated_at: createdAt,
    matches: template.matches.map((m) => ({ ...m, created_at: formatTimestampUs(nowUs - rng.int(0, 2_000_000)) }))
  }
  delete record.id
  const { ids } = store.add([record])
  return { type: 'created', id: ids[0], changed: [] }
}

// NEW goes in progress (sometimes with a ticket key), in-progress incidents get resolved or dismissed.
function progress (rng: Rng, incident: StoredIncident): NativeRecord {
  if (incident.record.incident_status === 'NEW') {
    return rng.chance(0.2)
      ? { incident_status: 'IN PROGRESS', customer_key: rng.pick(CUSTOMER_KEYS) }
      : { incident_status: 'IN PROGRESS' }
  }
  return { incident_status: rng.chance(0.7) ? 'RESOLVED' : 'DISMISSED' }
}

function change (store: IncidentStore, rng: Rng): ActivityAction | undefined {
  const all = store.all()
  if (all.length === 0) return undefined
  const open = all.filter((i) => OPEN.has(String(i.record.incident_status)))
  let incident: StoredIncident
  let patch: NativeRecord
  if (rng.chance(0.65) && open.length > 0) {
    incident = rng.pick(open)
    patch = progress(rng, incident)
  } else {
    incident = rng.pick(all)
    patch = { severity: rng.pick(SEVERITIES.filter((s) => s !== incident.record.severity)) }
  }
  store.patch(incident.key, patch)
  return { type: 'updated', id: String(incident.record.id), changed: [...Object.keys(patch), 'updated_at'] }
}

export function cloudlockActivity (store: IncidentStore, clock: Clock): ActivityVendor {
  return { create: (rng) => create(store, clock, rng), change: (rng) => change(store, rng) }
}
