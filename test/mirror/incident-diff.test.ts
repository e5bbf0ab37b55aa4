import fc from 'fast-check'
import t from 'tap'
import { contentHash, diffIncidents, storedForm, pgStorable } from '../../src/mirror/incident-diff.ts'
import { incident } from '../helpers/incidents.ts'

// Rebuilds an object (and every nested object) with its keys in a shuffled order.
function shuffleKeys (value: unknown, order: number[]): unknown {
  if (Array.isArray(value)) return value.map((v) => shuffleKeys(v, order))
  if (value === null || typeof value !== 'object') return value
  const entries = Object.entries(value)
  const shuffled = entries.map((e, i) => ({ e, k: order[i % order.length] * 1000 + i })).sort((a, b) => a.k - b.k)
  return Object.fromEntries(shuffled.map(({ e: [k, v] }) => [k, shuffleKeys(v, order)]))
}

const base = storedForm(incident({
  native_id: '7',
  labels: [{ key: 'team', value: 'a' }, { key: 'site', value: 'b' }],
  source: { severity: 'HIGH', status: 'NEW', priority: null, resolution: null, sub_status: null },
  asset: {
    id: 'f1',
    name: 'q3.xlsx',
    type: 'file',
    url: null,
    mime_type: null,
    file_name: 'q3.xlsx',
    file_type: null,
    application: 'drive',
    owner: { name: 'Ann', email: 'ann@example.com' }
  }
}))
const [labelA, labelB] = base.labels

t.test('contentHash does not depend on the order keys were built in, at any depth', async (t) => {
  await fc.assert(fc.property(fc.array(fc.nat(50), { minLength: 1, maxLength: 8 }), (order) => {
    const reordered = shuffleKeys(base, order) as typeof base
    return contentHash(reordered) === contentHash(base)
  }), { numRuns: 50 })
  // The shuffle does reorder keys (the property above would hold trivially otherwise).
  const reversed = Object.fromEntries(Object.entries(base).reverse()) as typeof base
  t.not(JSON.stringify(reversed), JSON.stringify(base))
  t.equal(contentHash(reversed), contentHash(base))
})

t.test('contentHash sees every value change, including inside nested objects and arrays', async (t) => {
  const h = contentHash(base)
  t.not(contentHash({ ...base, status: 'resolved' }), h)
  t.not(contentHash({ ...base, labels: [labelB, labelA] }), h, 'array order is content')
  t.not(contentHash({ ...base, asset: { ...base.asset!, owner: { name: 'Ann', email: 'bob@example.com' } } }), h)
  t.not(contentHash({ ...base, source: { ...base.source, status: 'OPEN' } }), h)
  t.not(contentHash({ ...base, match_count: 1 }), h)
  t.not(contentHash({ ...base, priority: 'high' as never }), h)
})

t.test('raw and content_withheld are not part of the state', async (t) => {
  const a = incident({ native_id: '7', raw: { id: 7, vendor_only: 'x' } })
  const b = incident({ native_id: '7', raw: { id: 7, vendor_only: 'y', extra: [1] }, content_withheld: true })
  t.notOk('raw' in storedForm(a))
  t.notOk('content_withheld' in storedForm(b))
  t.equal(contentHash(storedForm(a)), contentHash(storedForm(b)))
  t.same(diffIncidents(storedForm(a), storedForm(b)), { changed: [], previous: {} })
})

t.test('changed lists the differing top-level fields in the incident\'s order, previous their old values', async (t) => {
  const after = {
    ...base,
    labels: [labelA, labelB, { key: 'x', value: '' }],
    status: 'resolved' as const,
    source: { ...base.source, status: 'CLOSED' },
    updated_at: '2026-02-01T00:00:00.000Z'
  }
  const d = diffIncidents(base, after)
  const order = Object.keys(base)
  t.same(d.changed, ['status', 'updated_at', 'labels', 'source'].sort((x, y) => order.indexOf(x) - order.indexOf(y)))
  t.same(d.previous, { status: 'new', updated_at: base.updated_at, labels: base.labels, source: base.source })
  t.same(diffIncidents(base, shuffleKeys(base, [3, 1, 2]) as typeof base), { changed: [], previous: {} },
    'key order alone changes nothing')
  t.same(diffIncidents(after, base).previous.status, 'resolved', 'previous holds the before side')
  const reordered = shuffleKeys(after, [5, 2, 9, 1]) as typeof after
  t.same(diffIncidents(base, reordered).changed, d.changed, 'the order of changed does not follow how after was built')
})

t.test('a field that appears or disappears is changed, with null as the absent previous value', async (t) => {
  const withErrors = { ...base, mapping_errors: [{ field: 'severity', message: 'unknown value' }] } as typeof base
  t.same(diffIncidents(base, withErrors), { changed: ['mapping_errors'], previous: { mapping_errors: null } })
  t.same(diffIncidents(withErrors, base).changed, ['mapping_errors'])
  t.not(contentHash(withErrors), contentHash(base))
})

t.test('storedForm replaces U+0000, which PostgreSQL cannot store, at any depth', async (t) => {
  const s = storedForm(incident({ native_id: '7', title: 'a\u0000b', notes: [{ text: '\u0000', created_at: null, author: null }] }))
  t.equal(s.title, 'a\ufffdb')
  t.equal(s.notes[0].text, '\ufffd')
  t.same(pgStorable({ 'k\u0000': ['x\u0000', 1, null, true] }), { 'k\ufffd': ['x\ufffd', 1, null, true] })
})

t.test('storedForm keeps only the fields the Incident schema declares, at every depth', async (t) => {
  const leaky = {
    ...incident({ native_id: '7', matches: [{ text: 'x', context_before: null, context_after: null, field: 'f', detector: null }] }),
    vendor_token: 'LEAK-top'
  } as any
  leaky.asset = {
    ...Object.fromEntries(['id', 'name', 'type', 'url', 'mime_type', 'file_name', 'file_type', 'application'].map((k) => [k, null])),
    owner: { name: 'Ann', email: 'ann@example.com', phone: 'LEAK-owner' },
    internal_path: 'LEAK-asset'
  }
  leaky.source = { ...leaky.source, session: 'LEAK-source' }
  leaky.matches = leaky.matches.map((m: any) => ({ ...m, raw_bytes: 'LEAK-match' }))
  leaky.labels = [{ key: 'k', value: 'v', hidden: 'LEAK-label' }]
  const stored = storedForm(leaky)
  t.notMatch(JSON.stringify(stored), /LEAK-/, 'no undeclared field at any depth')
  t.same(stored.matches, [{ text: 'x', context_before: null, context_after: null, field: 'f', detector: null }])
  t.same(stored.labels, [{ key: 'k', value: 'v' }])
  t.same(stored.asset?.owner, { name: 'Ann', email: 'ann@example.com' }, 'declared nested fields stay')
  const clean = incident({ native_id: '7' })
  const { raw: _raw, ...rest } = clean
  t.same(storedForm(clean), rest, 'a well-formed incident is stored whole')
})
