import fc from 'fast-check'
import t from 'tap'
import type { StoredChange } from '../../src/mirror/change-feed.ts'
import { storedForm } from '../../src/mirror/incident-diff.ts'
import { serializeIncident } from '../../src/mirror/incident-text.ts'
import { INCIDENT_EXAMPLE } from '../../src/schemas/examples.ts'
import type { IncidentT } from '../../src/schemas/incident.ts'
import { changeText as changeTextWith, changeView, isoTime, writeChange } from '../../src/services/change-view.ts'
import type { Principal } from '../../src/services/principal.ts'

// GET /v1/changes serializes a change as text (changeText) without the response serializer;
// webhooks and the view of record build it as an object (changeView). The two must agree for every
// caller, evidence governance included.

const withEvidence: Principal = { name: 'a', scopes: new Set(['incidents:read', 'evidence:read']), providers: null }
const withoutEvidence: Principal = { name: 'b', scopes: new Set(['incidents:read']), providers: null }

const changeText = (c: StoredChange, principal: Principal, raw: boolean) =>
  changeTextWith(c, principal, raw, serializeIncident)

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
  previous: fc.oneof(fc.constant({}), fc.record({ matches: fc.array(match, { maxLength: 2 }) }), fc.record({ title: fc.string() })),
  nativeId: fc.string() // escapes and non-ASCII in the envelope too
}).map(({ type, provider_type: providerType, title, matches, raw, previous, nativeId }): StoredChange => ({
  seq: 7,
  provider: 'cl',
  native_id: nativeId,
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

// A row read with the stored text (src/mirror/change-feed.ts, `text`): the incident as the mirror
// wrote it (src/mirror/mirror-store.ts), not parsed; raw as jsonb gives it.
const withText = (c: StoredChange): StoredChange =>
  c.incident === null ? fromStore(c) : { ...fromStore(c), incident: null, incident_text: serializeIncident(c.incident) }

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

// The text as the view gives it: JSON.stringify of its envelope, the incident through the serializer.
function viewText (c: StoredChange, principal: Principal, raw: boolean): string {
  const { incident, content_withheld: withheld, ...head } = changeView(c, principal, raw)
  return `${JSON.stringify(head).slice(0, -1)},"incident":${incident === null ? 'null' : serializeIncident(incident)}` +
    `${withheld ? ',"content_withheld":true' : ''}}`
}

t.test('the text of a change means what its view says, for every caller, with and without raw', async (t) => {
  fc.assert(fc.property(change, fc.boolean(), fc.boolean(), (c, evidence, raw) => {
    const principal = evidence ? withEvidence : withoutEvidence
    t.same(JSON.parse(changeText(fromStore(c), principal, raw)), changeView(c, principal, raw))
    t.equal(changeText(fromStore(c), principal, raw), viewText(fromStore(c), principal, raw), 'byte for byte')
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

// The stored text is served as it is to a caller whose view is the stored form (evidence:read, no
// raw): its bytes must be those the parsed row gives, so that nothing a client compares differs by
// how the store answered. For every other caller the text is parsed and goes through the view.
t.test('a row read with its stored text gives the same bytes as the parsed row, for every caller', async (t) => {
  fc.assert(fc.property(change, fc.boolean(), fc.boolean(), (c, evidence, raw) => {
    const principal = evidence ? withEvidence : withoutEvidence
    t.equal(changeText(withText(c), principal, raw), changeText(fromStore(c), principal, raw))
  }), { numRuns: 300 })
})

t.test('the stored text is spliced only for evidence:read without raw', async (t) => {
  const c = created(storedForm(INCIDENT_EXAMPLE as IncidentT), { id: 1, matches: [{ text: 'SECRET-raw' }] })
  // A text that is not the serializer's form would show through only where it is spliced.
  const marked = { ...withText(c), incident_text: serializeIncident(c.incident).replace('"title":', '"title" :') }
  t.match(changeText(marked, withEvidence, false), /"title" :/, 'served as stored')
  t.notMatch(changeText(marked, withEvidence, true), /"title" :/, 'include=raw: parsed and serialized')
  t.notMatch(changeText(marked, withoutEvidence, false), /"title" :/, 'no evidence:read: parsed, redacted')
  const secret = INCIDENT_EXAMPLE.matches.find((m) => m.text !== null)!.text!
  t.notOk(changeText(marked, withoutEvidence, false).includes(JSON.stringify(secret)))
  t.equal(JSON.parse(changeText(marked, withoutEvidence, false)).incident.content_withheld, true)
})

t.test('changes written in pieces join with commas into one JSON array', async (t) => {
  const a = created(storedForm(INCIDENT_EXAMPLE as IncidentT), null)
  const out: string[] = ['[']
  writeChange(out, withText(a), withEvidence, false, serializeIncident, true)
  writeChange(out, { ...a, seq: 2, type: 'deleted', incident: null }, withEvidence, false, serializeIncident, false)
  writeChange(out, { ...fromStore(a), seq: 3 }, withoutEvidence, false, serializeIncident, false)
  out.push(']')
  t.same(JSON.parse(out.join('')).map((x: { seq: number }) => x.seq), [1, 2, 3])
})

t.test('the envelope\'s timestamps read as toISOString writes them, whatever the instant', async (t) => {
  const same = (d: Date) => {
    const expected = (() => { try { return d.toISOString() } catch (err) { return err } })()
    const got = (() => { try { return isoTime(d) } catch (err) { return err } })()
    return typeof expected === 'string' ? got === expected : got instanceof RangeError
  }
  fc.assert(fc.property(fc.date({ noInvalidDate: false }), (d) => same(d)), { numRuns: 5000 })
  // Around the edges of the written range, and the same instant twice (the reused answer).
  for (const text of ['0999-12-31T23:59:59.999Z', '1000-01-01T00:00:00.000Z', '9999-12-31T23:59:59.999Z',
    '+010000-01-01T00:00:00.000Z', '1970-01-01T00:00:00.000Z', '1969-12-31T23:59:59.999Z', '2026-02-28T23:59:59.001Z']) {
    t.equal(isoTime(new Date(text)), text)
    t.equal(isoTime(new Date(text)), text, 'again')
  }
  t.ok(same(new Date(NaN)), 'an invalid date throws as toISOString does')
})
