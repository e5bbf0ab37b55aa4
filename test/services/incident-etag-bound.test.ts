import t from 'tap'
import { IncidentEtags } from '../../src/services/incident-etag.ts'
import { incident } from '../helpers/incidents.ts'

// An incident that keeps gaining notes (the soak's ZWA incidents, a busy case at a vendor): each
// state remembered for a 412 holds every note so far, so a count bound alone lets the states grow
// with the incidents. The states are bounded by their size as well.
const withNotes = (id: string, n: number) => incident({
  native_id: id,
  updated_at: new Date(Date.UTC(2026, 0, 1) + n * 1000).toISOString(),
  notes: Array.from({ length: n }, (_, i) => ({ text: `note ${i} ${'x'.repeat(200)}`, created_at: null, author: 'soak' }))
})

t.test('the remembered states stay under their size bound (default 4 Mi characters)', async (t) => {
  const etags = new IncidentEtags()
  let last = ''
  for (let n = 1; n <= 300; n++) last = etags.of(withNotes(String(n % 10), n)) // ~9 Mi characters offered
  const { states, chars } = etags.usage()
  t.ok(chars <= 4 * 1024 * 1024, `${chars} characters in ${states} states`)
  t.ok(states > 10 && states < 300, 'the oldest states were dropped, the recent ones kept')
  t.same(etags.differing(last, withNotes('0', 301)), ['notes', 'updated_at'], 'the newest state still names what changed')
})

t.test('a smaller bound holds exactly, and forgetting updates the account', async (t) => {
  const etags = new IncidentEtags({ maxChars: 50_000 })
  const tags = Array.from({ length: 40 }, (_, n) => etags.of(withNotes('1', n + 1)))
  t.ok(etags.usage().chars <= 50_000)
  t.equal(etags.differing(tags[0], withNotes('1', 2)), null, 'the oldest state is forgotten')
  t.ok(etags.differing(tags[39], withNotes('1', 41)), 'the newest is kept')
  etags.of(withNotes('1', 40)) // issued again: moved to the newest, counted once
  const again = etags.usage()
  etags.of(withNotes('1', 40))
  t.same(etags.usage(), again, 'the same state issued twice is counted once')
  const huge = new IncidentEtags({ maxChars: 1_000 })
  huge.of(withNotes('2', 10))
  t.same(huge.usage(), { states: 0, chars: 0 }, 'a state larger than the whole bound is not kept')
})
