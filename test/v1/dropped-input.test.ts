// Nothing a caller sends is silently dropped (issue 14 item 6, spec section 4): every field of
// every write is either stored at the vendor or refused with a 422 naming the provider, and a
// refused write sends nothing upstream.
import t from 'tap'
import { startStack } from '../helpers/stack.ts'

const writes = async (sim: any) => (await sim.inject({ method: 'GET', url: '/__sim/requests' })).json().requests
  .filter((r: any) => r.method !== 'GET' && !r.path.includes('/search') && !r.path.includes('/auth')) as any[]
const firstOpen = async (stack: any, provider: string) =>
  (await stack.get(`/v1/incidents?provider=${provider}&status=new&limit=1`)).body.data[0].id as string

t.test('refused: what a vendor cannot store', async (t) => {
  const stack = await startStack({ count: 10 })
  t.teardown(() => stack.close())
  const cl = await firstOpen(stack, 'cloudlock')
  const zwa = await firstOpen(stack, 'zwa')
  const cases: Array<[string, 'POST' | 'PATCH', string, unknown, string, string?]> = [
    ['Cloudlock close true_positive', 'POST', `/v1/incidents/${cl}/close`, { classification: 'true_positive' }, 'unsupported_value'],
    ['Cloudlock close benign', 'POST', `/v1/incidents/${cl}/close`, { classification: 'benign' }, 'unsupported_value'],
    ['Cloudlock close unknown', 'POST', `/v1/incidents/${cl}/close`, { classification: 'unknown' }, 'unsupported_value'],
    ['Cloudlock close with a label', 'POST', `/v1/incidents/${cl}/close`, { label: { key: 'k', value: 'v' } }, 'capability_not_supported', 'labels'],
    ['Cloudlock close with notes', 'POST', `/v1/incidents/${cl}/close`, { notes: 'n' }, 'capability_not_supported', 'notes'],
    ['Cloudlock note', 'POST', `/v1/incidents/${cl}/notes`, { text: 'n' }, 'capability_not_supported', 'notes'],
    ['Cloudlock labels', 'POST', `/v1/incidents/${cl}/labels`, { labels: [{ key: 'k', value: 'v' }] }, 'capability_not_supported', 'labels'],
    ['Cloudlock severity it has no value for', 'PATCH', `/v1/incidents/${cl}`, { severity: 'low' }, 'unsupported_value'],
    ['ZWA PATCH severity', 'PATCH', `/v1/incidents/${zwa}`, { severity: 'high' }, 'capability_not_supported', 'update_severity'],
    ['ZWA PATCH external_ref', 'PATCH', `/v1/incidents/${zwa}`, { external_ref: 'X' }, 'capability_not_supported', 'update_external_ref'],
    ['ZWA PATCH status with external_ref', 'PATCH', `/v1/incidents/${zwa}`, { status: 'resolved', external_ref: 'X' }, 'capability_not_supported', 'update_external_ref'],
    ['ZWA PATCH status other than resolved', 'PATCH', `/v1/incidents/${zwa}`, { status: 'in_progress' }, 'unsupported_value'],
    ['ZWA close true_positive (no resolution code for it)', 'POST', `/v1/incidents/${zwa}/close`, { classification: 'true_positive' }, 'unsupported_value']
  ]
  for (const [name, method, path, body, code, capability] of cases) {
    const res = await stack.send(method, path, body)
    t.equal(res.status, 422, `${name}: 422`)
    t.equal(res.body.code, code, `${name}: ${code}`)
    t.equal(res.body.provider, path.includes('cloudlock:') ? 'cloudlock' : 'zwa', `${name}: names the provider`)
    if (capability) t.equal(res.body.capability, capability)
  }
  t.same(await writes(stack.cloudlock), [], 'no Cloudlock write was sent')
  t.same(await writes(stack.zwa), [], 'no ZWA write was sent')
  t.equal((await stack.get(`/v1/incidents/${cl}`)).body.status, 'new', 'the Cloudlock incident is unchanged')
  t.equal((await stack.get(`/v1/incidents/${zwa}`)).body.status, 'new', 'the ZWA incident is unchanged')
})

t.test('stored: every accepted field shows in the incident', async (t) => {
  const stack = await startStack({ count: 10 })
  t.teardown(() => stack.close())
  const cl = await firstOpen(stack, 'cloudlock')
  const patched = await stack.send('PATCH', `/v1/incidents/${cl}`, { severity: 'critical', external_ref: 'TKT-1', status: 'in_progress' })
  t.match(patched.body, { severity: 'critical', external_ref: 'TKT-1', status: 'in_progress' })
  const cleared = await stack.send('PATCH', `/v1/incidents/${cl}`, { external_ref: null })
  t.equal(cleared.body.external_ref, null, 'null clears the reference')
  t.equal((await stack.send('POST', `/v1/incidents/${cl}/close`, { classification: 'false_positive' })).body.status, 'dismissed')

  const zwa = await firstOpen(stack, 'zwa')
  const closed = await stack.send('POST', `/v1/incidents/${zwa}/close`, { classification: 'false_positive', notes: 'checked', label: { key: 'team', value: 'red' } })
  t.equal(closed.status, 200)
  t.match(closed.body, { status: 'resolved', classification: 'false_positive' })
  t.ok(closed.body.notes.some((n: any) => n.text === 'checked'), 'the close note is stored')
  t.ok(closed.body.labels.some((l: any) => l.key === 'team' && l.value === 'red'), 'the close label is stored')
})
