import fc from 'fast-check'
import t from 'tap'
import type { IncidentT } from '../../src/schemas/incident.ts'
import { firstTag, ifMatchHolds, ifNoneMatchHits, IncidentEtags, stateText } from '../../src/services/incident-etag.ts'
import { incident } from '../helpers/incidents.ts'

t.test('ETags name the vendor state, not the view', async (t) => {
  const etags = new IncidentEtags({ secret: 'x'.repeat(32) })
  const base = incident({ native_id: '1' })
  const tag = etags.of(base)
  t.equal(etags.of({ ...base, raw: { other: true } }), tag, 'raw is the view\'s')
  t.equal(etags.of({ ...base, content_withheld: true }), tag, 'so is content_withheld')
  t.equal(etags.of({ ...base, labels: [] }), tag, 'key order and equal values do not matter')
  t.not(etags.of({ ...base, status: 'resolved' }), tag)
  t.not(etags.of({ ...base, matches: [{ text: 'a', context_before: null, context_after: null, field: null, detector: null }] }), tag)
  t.equal(new IncidentEtags({ secret: 'x'.repeat(32) }).of(base), tag, 'the same on every replica with the same secret')
  t.not(new IncidentEtags({ secret: 'y'.repeat(32) }).of(base), tag, 'keyed: no offline guessing of withheld content')
  t.same(etags.differing(tag, { ...base, status: 'resolved', updated_at: '2026-02-01T00:00:00.000Z' }), ['status', 'updated_at'])
  t.equal(etags.differing('"never issued"', base), null)
  const small = new IncidentEtags({ maxSnapshots: 2 })
  const tags = ['1', '2', '3'].map((id) => small.of(incident({ native_id: id })))
  t.equal(small.differing(tags[0], base), null, 'the oldest state is forgotten past the bound')
  t.ok(small.differing(tags[2], base))
})

t.test('RFC 9110 comparisons', async (t) => {
  const tag = '"abc"'
  t.ok(ifNoneMatchHits('"abc"', tag))
  t.ok(ifNoneMatchHits('W/"abc"', tag), 'If-None-Match: weak comparison')
  t.ok(ifNoneMatchHits('"x", W/"abc" ,"y"', tag))
  t.ok(ifNoneMatchHits(' * ', tag))
  t.notOk(ifNoneMatchHits('abc', tag), 'unquoted is malformed')
  t.notOk(ifNoneMatchHits('"abcd"', tag))
  t.ok(ifMatchHolds('"abc"', tag))
  t.ok(ifMatchHolds('*', tag))
  t.notOk(ifMatchHolds('W/"abc"', tag), 'If-Match: strong comparison')
  t.ok(ifMatchHolds('"x", "abc"', tag))
  t.equal(firstTag('W/"w", "s", "t"'), '"s"')
  t.equal(firstTag('*'), null)
})

// The state text is what the ETag hashes: if it left out a field the API shows, a change to that
// field would keep the ETag and an If-Match write would pass over it (a lost update).
t.test('the state text holds every field the API shows but the view\'s own, in one key order', async (t) => {
  const full = incident({
    native_id: '7',
    priority: 'high',
    classification: 'true_positive',
    policy: { id: 'p', name: 'PCI' },
    rules: [{ name: 'r', detail: 'd' }],
    asset: {
      id: 'a',
      name: 'n',
      type: 'file',
      url: 'https://x.test/a',
      application: 'drive',
      file_name: 'f.txt',
      file_type: 'txt',
      mime_type: 'text/plain',
      owner: { name: 'o', email: 'o@x.test' }
    },
    actor: { name: 'u', email: 'u@x.test', ip: '10.0.0.1', department: 'it' },
    match_count: 1,
    matches: [{ text: 't', context_before: 'b', context_after: 'a', field: 'Content', detector: 'd' }],
    labels: [{ key: 'k', value: 'v' }],
    notes: [{ text: 'n', author: 'x', created_at: '2026-01-02T00:00:00.000Z' }],
    assignee: { email: 'a@x.test' },
    external_ref: 'ext',
    transaction_id: 'tx',
    mapping_errors: [{ field: 'severity', message: 'unknown' }],
    content_withheld: true
  } as never)
  const { raw: _raw, content_withheld: _cw, ...shown } = full
  t.strictSame(JSON.parse(stateText(full)), shown, 'nothing shown is left out')
  const reversed = (value: unknown): unknown => Array.isArray(value)
    ? value.map(reversed)
    : value && typeof value === 'object'
      ? Object.fromEntries(Object.entries(value).reverse().map(([k, v]) => [k, reversed(v)]))
      : value
  t.equal(stateText(reversed(full) as IncidentT), stateText(full), 'built in another order, the same text')
  const etags = new IncidentEtags()
  for (const [field, value] of Object.entries({
    asset: { ...full.asset!, owner: { name: 'o', email: 'other@x.test' } },
    matches: [{ ...full.matches[0], context_after: 'changed' }],
    notes: [...full.notes, { text: 'more', author: 'x', created_at: '2026-01-03T00:00:00.000Z' }],
    mapping_errors: []
  })) {
    t.not(etags.of({ ...full, [field]: value }), etags.of(full), `a change deep in ${field} changes the ETag`)
  }
})

// Reads look an ETag up by its state's text before computing the HMAC: whatever the bounds evict,
// a cached answer must be the one a fresh computation gives, and two states never share one.
t.test('an ETag looked up is the ETag computed', async () => {
  const secret = 's'.repeat(32)
  const states = ['1', '2', '3', '4'].flatMap((id) =>
    ['new', 'in_progress'].map((status) => incident({ native_id: id, status } as never)))
  const fresh = (i: IncidentT) => new IncidentEtags({ secret }).of(i)
  fc.assert(fc.property(fc.array(fc.nat(states.length - 1), { maxLength: 60 }), fc.nat(5), (reads, max) => {
    const etags = new IncidentEtags({ secret, maxSnapshots: max + 1, maxChars: 4000 })
    const seen = new Map<string, string>()
    for (const r of reads) {
      const tag = etags.of(states[r])
      if (tag !== fresh(states[r])) return false
      const text = stateText(states[r])
      if (seen.has(tag) && seen.get(tag) !== text) return false
      seen.set(tag, text)
    }
    return etags.usage().states <= max + 1
  }))
})
