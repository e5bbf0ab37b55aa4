import fc from 'fast-check'
import t from 'tap'
import type { StoredChange } from '../../src/mirror/change-feed.ts'
import { storedForm } from '../../src/mirror/incident-diff.ts'
import { INCIDENT_EXAMPLE } from '../../src/schemas/examples.ts'
import type { IncidentT } from '../../src/schemas/incident.ts'
import { changeText, changeView } from '../../src/services/change-view.ts'
import type { Principal } from '../../src/services/principal.ts'

// GET /v1/changes serializes a change as text (changeText) without the response serializer;
// webhooks and the view of record build it as an object (changeView). The two must agree for every
// caller, evidence governance included.

const withEvidence: Principal = { name: 'a', scopes: new Set(['incidents:read', 'evidence:read']), providers: null }
const withoutEvidence: Principal = { name: 'b', scopes: new Set(['incidents:read']), providers: null }

// JSON as PostgreSQL writes jsonb as text: keys by length then bytes, ", " and ": " separators;
// parsed, the key order node-postgres hands over.
function jsonbText (value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value)
  if (Array.isArray(value)) return `[${value.map(jsonbText).join(', ')}]`
  const keys = Object.keys(value).sort((a, b) => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0))
  return `{${keys.map((k) => `${JSON.stringify(k)}: ${jsonbText((value as Record<string, unknown>)[k])}`).join(', ')}}`
}

const content = fc.option(fc.string({ maxLength: 12 }), { nil: null })
const match = fc.record({ text: content, context_before: content, context_after: content, field: content, detector: content })
const rawRecord = fc.record({
  id: fc.string(),
  matches: fc.array(fc.record({ text: content, ctx_before: content, ctx_after: content, field_name: fc.string() }), { maxLength: 3 }),
  note: fc.string() // non-ASCII and escapes included
})
const change = fc.record({
  type: fc.constantFrom('created' as const, 'updated' as const, 'deleted' as const),
  provider_type: fc.constantFrom('cloudlock' as const, 'zwa' as const),
  title: fc.string(),
  matches: fc.array(match, { maxLength: 3 }),
  raw: fc.oneof(rawRecord, fc.constant(null)),
  previous: fc.oneof(fc.constant({}), fc.record({ matches: fc.array(match, { maxLength: 2 }) }), fc.record({ title: fc.string() }))
}).map(({ type, provider_type: providerType, title, matches, raw, previous }): StoredChange => ({
  seq: 7,
  provider: 'cl',
  native_id: '42',
  type,
  occurred_at: new Date('2026-01-02T03:04:05.678Z'),
  detected_at: new Date('2026-01-03T03:04:05.000Z'),
  changed: Object.keys(previous),
  previous,
  incident: type === 'deleted'
    ? null
    : storedForm({ ...INCIDENT_EXAMPLE, provider_type: providerType, title, matches, match_count: matches.length } as IncidentT),
  raw
}))

// A row as node-postgres returns it: the documents in jsonb's key order.
const fromStore = (c: StoredChange): StoredChange => ({
  ...c,
  incident: c.incident === null ? null : JSON.parse(jsonbText(c.incident)),
  raw: c.raw == null ? null : JSON.parse(jsonbText(c.raw))
})

const created = (incident: StoredChange['incident'], raw: StoredChange['raw']): StoredChange => ({
  seq: 1,
  provider: 'cl',
  native_id: '1',
  type: 'created',
  occurred_at: new Date(0),
  detected_at: new Date(0),
  changed: [],
  previous: {},
  incident,
  raw
})

t.test('the text of a change means what its view says, for every caller, with and without raw', async (t) => {
  fc.assert(fc.property(change, fc.boolean(), fc.boolean(), (c, evidence, raw) => {
    const principal = evidence ? withEvidence : withoutEvidence
    t.same(JSON.parse(changeText(fromStore(c), principal, raw)), changeView(c, principal, raw))
  }), { numRuns: 300 })
})

t.test('raw only when asked for; matched content only with evidence:read', async (t) => {
  const c = created(storedForm(INCIDENT_EXAMPLE as IncidentT),
    { id: 1, matches: [{ text: 'SECRET-raw', ctx_before: 'b', ctx_after: 'a' }] })
  const text = fromStore(c)
  const secret = INCIDENT_EXAMPLE.matches.find((m) => m.text !== null)!.text!
  t.notMatch(changeText(text, withEvidence, false), /"raw"/, 'no raw unless asked for')
  t.notMatch(changeText(text, withoutEvidence, false), /"raw"/)
  const full = JSON.parse(changeText(text, withEvidence, true))
  t.equal(full.incident.raw.matches[0].text, 'SECRET-raw')
  t.ok(full.incident.matches.some((m: { text: string | null }) => m.text === secret))
  const hidden = changeText(text, withoutEvidence, true)
  t.notMatch(hidden, /SECRET-raw/)
  t.notOk(hidden.includes(JSON.stringify(secret)), 'no matched content without evidence:read')
  t.equal(JSON.parse(hidden).incident.content_withheld, true)
  t.same(JSON.parse(changeText({ ...text, raw: null }, withEvidence, true)).incident, c.incident, 'a null raw is no raw')
})

// An incident reads the same, byte for byte, in GET /v1/changes as in GET /v1/incidents: clients
// hash or compare its JSON text (examples/soar-loop.mjs fingerprints JSON.stringify of it). The
// store's jsonb key order must not leak into the answer.
t.test('the incident in a change is serialized in the schema\'s field order, whatever the store\'s', async (t) => {
  const c = created(storedForm(INCIDENT_EXAMPLE as IncidentT), null)
  const expected = JSON.stringify(JSON.parse(JSON.stringify(INCIDENT_EXAMPLE)))
  for (const principal of [withEvidence]) {
    const text = changeText(fromStore(c), principal, false)
    const at = text.indexOf('"incident":') + '"incident":'.length
    t.equal(text.slice(at, at + expected.length), expected)
    t.same(Object.keys(JSON.parse(text)), ['seq', 'type', 'incident_id', 'provider', 'occurred_at', 'detected_at',
      'changed', 'previous', 'incident'])
  }
})
