// Spec section 5, last bullet (issue 13 item 4): a vendor record that cannot be mapped never
// fails or hides the rest. Odd fields become mapping_errors on a served incident; a record without
// a usable id or creation time fails that provider's page naming the record, as a data error that
// never touches the provider's health or circuit.
import t from 'tap'
import { record } from '../simulators/helpers/cloudlock.ts'
import { startStack } from '../helpers/stack.ts'

const at = (s: number) => `2026-05-01T10:00:${String(s).padStart(2, '0')}.000001+00:00`

t.test('odd fields: the incident is served with what could be mapped and mapping_errors', async (t) => {
  const stack = await startStack({
    cloudlockRecords: [
      record('101', at(1), 'yesterday-ish', { matches: 'not a list', match_count: -3, entity: 'a string', severity: 7 }),
      record('102', at(2))
    ],
    cloudlockOptions: { lenientRecords: true }
  })
  t.teardown(stack.close)
  const list = await stack.get('/v1/incidents?provider=cloudlock&limit=10&include=raw')
  t.equal(list.status, 200)
  const odd = list.body.data.find((i: any) => i.native_id === '101')
  const fine = list.body.data.find((i: any) => i.native_id === '102')
  t.notOk('mapping_errors' in fine, 'a clean record has no mapping_errors key')
  t.same(odd.mapping_errors.map((e: any) => e.field).sort(), ['asset', 'match_count', 'matches', 'severity', 'updated_at'])
  t.equal(odd.severity, 'unknown')
  t.same(odd.matches, [])
  t.equal(odd.match_count, 0)
  t.equal(odd.asset, null)
  t.equal(odd.updated_at, odd.created_at, 'an unreadable updated_at shows created_at, and says so')
  t.equal(odd.raw.matches, 'not a list', 'raw keeps the record exactly as received')
  for (const e of odd.mapping_errors) t.notMatch(e.message, /not a list|yesterday/, 'messages never echo vendor values')
  const detail = await stack.get('/v1/incidents/cloudlock:101')
  t.equal(detail.status, 200)
  t.equal(detail.body.mapping_errors.length, 5)
})

t.test('a record without a usable creation time fails the page by name, not the provider\'s health', async (t) => {
  const stack = await startStack({ cloudlockRecords: [record('201', at(1)), record('202', 'garbage')], cloudlockOptions: { lenientRecords: true } })
  t.teardown(stack.close)
  for (let i = 0; i < 8; i++) {
    const res = await stack.get('/v1/incidents?provider=cloudlock')
    t.equal(res.status, 502)
    t.equal(res.body.code, 'upstream_error')
    t.match(res.body.failed_providers[0].detail, /record 2 of the page, id "202", created "garbage"/)
  }
  for (let i = 0; i < 8; i++) {
    const one = await stack.get('/v1/incidents/cloudlock:202')
    t.equal(one.status, 502, 'the detail of that record is a data error too')
  }
  const providers = await stack.get('/v1/providers')
  const cl = providers.body.data.find((p: any) => p.id === 'cloudlock')
  t.equal(cl.health.circuit, 'closed', 'sixteen bad answers never open the circuit')
  t.equal(cl.health.status, 'ok')
  t.equal((await stack.get('/v1/incidents/cloudlock:201')).status, 200, 'the provider keeps serving')
  const zwa = await stack.get('/v1/incidents?provider=zwa&limit=3')
  t.equal(zwa.status, 200, 'the other provider is untouched')
  const both = await stack.get('/v1/incidents?allow_partial=true&limit=3')
  t.equal(both.status, 200)
  t.equal(both.body.providers.cloudlock.status, 'error')
  t.equal(both.body.providers.zwa.status, 'ok')
})
