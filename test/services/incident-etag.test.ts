import t from 'tap'
import { firstTag, ifMatchHolds, ifNoneMatchHits, IncidentEtags } from '../../src/services/incident-etag.ts'
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
