import t from 'tap'
import { DEFAULT_ANCHOR, generateIncidents } from '../../../src/vendors/cloudlock/simulator/generate.ts'
import { parseTimestampUs } from '../../../src/vendors/cloudlock/simulator/time.ts'
import { INCIDENT_STATUSES, SEVERITIES, type CloudlockIncident } from '../../../src/vendors/cloudlock/simulator/types.ts'

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}\+00:00$/
const incidents = generateIncidents({ seed: 1, count: 500 })

t.test('deterministic: same seed and count give byte-identical data', async (t) => {
  t.equal(JSON.stringify(generateIncidents({ seed: 1, count: 500 })), JSON.stringify(incidents))
  t.equal(JSON.stringify(generateIncidents()), JSON.stringify(incidents), 'defaults are seed 1, count 500')
  t.not(JSON.stringify(generateIncidents({ seed: 2, count: 500 })), JSON.stringify(incidents), 'another seed differs')
  t.equal(generateIncidents({ count: 7 }).length, 7)
  t.same(generateIncidents({ count: 0 }), [])
  t.throws(() => generateIncidents({ count: 1.5 }))
  t.throws(() => generateIncidents({ anchor: 'not a date' }))
})

t.test('ids are unique digit strings increasing with created_at', async (t) => {
  for (let i = 1; i < incidents.length; i++) {
    const [a, b] = [incidents[i - 1], incidents[i]]
    if (!(BigInt(a.id) < BigInt(b.id) && a.created_at <= b.created_at)) t.fail(`order broken at ${i}`)
  }
  t.ok(incidents.every((i) => /^\d+$/.test(i.id)))
  t.ok(incidents.some((inc, i) => i > 0 && inc.created_at === incidents[i - 1].created_at), 'some created_at ties exist')
})

t.test('timestamps: microseconds, +00:00, within 90 days before the anchor', async (t) => {
  const anchor = Date.parse(DEFAULT_ANCHOR) * 1000
  for (const inc of incidents) {
    for (const ts of [inc.created_at, inc.updated_at, ...inc.matches.map((m) => m.created_at)]) {
      if (!TIMESTAMP.test(ts)) t.fail(`bad timestamp ${ts}`)
    }
    const created = parseTimestampUs(inc.created_at) as number
    if (created > anchor || created < anchor - 90 * 86_400_000_000) t.fail(`created_at out of window: ${inc.created_at}`)
  }
  const shifted = generateIncidents({ count: 5, anchor: '2030-01-01T00:00:00Z' })
  t.ok(shifted.every((i) => i.created_at.startsWith('2029-') || i.created_at.startsWith('2030-')), 'anchor moves the window')
  t.ok(incidents.some((i) => i.updated_at < i.created_at), 'the vendor quirk updated_at < created_at occurs')
})

t.test('every enum value and the documented variations occur', async (t) => {
  const values = (f: (i: CloudlockIncident) => unknown): Set<unknown> => new Set(incidents.map(f))
  t.same([...values((i) => i.severity)].sort(), [...SEVERITIES].sort())
  t.same([...values((i) => i.incident_status)].sort(), [...INCIDENT_STATUSES].sort())
  const tiny = generateIncidents({ seed: 'x', count: 4 })
  t.same(new Set(tiny.map((i) => i.severity)), new Set(SEVERITIES), 'even four incidents hold every severity')
  t.same(new Set(tiny.map((i) => i.incident_status)), new Set(INCIDENT_STATUSES), 'and every status')
  const vendors = values((i) => i.entity.vendor.name)
  for (const v of ['google', 'salesforce', 'box', 'office365', 'slack']) t.ok(vendors.has(v), `vendor ${v}`)
  t.same([...values((i) => i.entity.origin_type)].sort(), ['app', 'document', 'event', 'post'])
  t.ok(values((i) => i.policy.id).size >= 8, 'a catalogue of policies')
  t.ok(incidents.every((i) => i.policy.id === '' || /^[A-Za-z0-9]{10}$/.test(i.policy.id as string)), 'hashid-like policy ids')
  t.ok(incidents.some((i) => i.policy.id === '' && i.policy.state === null && i.policy.created_at === null), 'PolicyRef variant with empty id')
  t.ok(incidents.some((i) => i.match_count > i.matches.length && i.matches.length > 0), 'match_count above the listed matches')
  t.ok(incidents.some((i) => i.matches.length === 0 && i.match_count === 0), 'no matches (context/UEBA)')
  t.ok(incidents.every((i) => i.match_count >= i.matches.length))
  const keys = incidents.filter((i) => i.customer_key !== '').length
  t.ok(keys > 0 && keys < incidents.length / 3, 'customer_key mostly "", sometimes set')
  t.ok(incidents.some((i) => i.entity.mime_type === null) && incidents.some((i) => i.entity.mime_type === ''), 'mime_type null and ""')
  const criteria = incidents.flatMap((i) => i.matches).map((m) => m.policy_criteria)
  t.ok(criteria.some((c) => c === undefined) && criteria.some((c) => typeof c?.id === 'string') && criteria.some((c) => typeof c?.id === 'number'), 'policy_criteria absent, string or int')
  t.ok(incidents.flatMap((i) => i.matches).every((m) => /X{3}|Confidential|password|Password|CONFIDENTIAL/.test(m.text)), 'matched text is masked')
})

t.test('wire shape follows the reference key order', async (t) => {
  const inc = incidents.find((i) => i.matches.length > 0) as CloudlockIncident
  t.same(Object.keys(inc), ['id', 'customer_key', 'incident_status', 'severity', 'created_at', 'updated_at', 'match_count', 'entity', 'policy', 'matches'])
  t.same(Object.keys(inc.entity), ['id', 'name', 'mime_type', 'owner_email', 'owner_name', 'origin_id', 'origin_type', 'direct_url', 'vendor', 'extra'])
  t.same(Object.keys(inc.entity.extra), ['origin_type_label', 'origin_type_label_plural'])
  t.same(Object.keys(inc.matches[0]).slice(0, 5), ['created_at', 'text', 'ctx_after', 'ctx_before', 'field_name'])
})
