// The filters users expect (issue 21): priority, external_ref, label (key:value) and policy_id,
// native where the vendor has them, "none" (matching nothing) where it has no such field; each
// result is checked against a full walk filtered locally, and GET /v1/providers says how each
// filter is applied.
import t from 'tap'
import { request } from 'undici'
import { startStack, walk, type Stack } from '../helpers/stack.ts'

async function vendorLog (url: string) {
  const res = await request(`${url}/__sim/requests`)
  return ((await res.body.json()) as { requests: Array<{ method: string, path: string, query: Record<string, string>, body: any }> }).requests
}
const clear = async (url: string) => { await (await request(`${url}/__sim/requests`, { method: 'DELETE' })).body.text() }

async function all (stack: Stack, query = '') {
  const pages = await walk(stack, ['limit=100', 'include=raw', query].filter(Boolean).join('&'))
  return pages.flatMap((p) => p.data)
}

t.test('filters: each matches exactly what a local filter of the full walk keeps', async (t) => {
  const stack = await startStack({ count: 80 })
  t.teardown(stack.close)
  const everything = await all(stack)

  t.test('priority: native at ZWA, nothing at Cloudlock (no priorities there)', async (t) => {
    const res = await all(stack, 'priority=critical,low')
    const expected = everything.filter((i) => i.priority === 'critical' || i.priority === 'low').map((i) => i.id)
    t.ok(expected.length > 0, 'the demo data has such incidents')
    t.same(res.map((i) => i.id), expected)
    t.ok(res.every((i) => i.provider === 'zwa'))
  })

  t.test('policy_id: native at Cloudlock, nothing at ZWA', async (t) => {
    const policy = everything.find((i) => i.provider === 'cloudlock' && i.policy?.id)!.policy.id
    await clear(stack.cloudlockUrl)
    const res = await all(stack, `policy_id=${encodeURIComponent(policy)}`)
    t.same(res.map((i) => i.id), everything.filter((i) => i.policy?.id === policy).map((i) => i.id))
    const sent = (await vendorLog(stack.cloudlockUrl)).filter((r) => r.path === '/api/v2/incidents')
    t.ok(sent.length > 0 && sent.every((r) => r.query.policy_id === policy), 'sent to the vendor, not scanned')
  })

  t.test('external_ref: native at Cloudlock; set through the gateway, then found', async (t) => {
    const target = everything.find((i) => i.provider === 'cloudlock')!
    const patched = await stack.send('PATCH', `/v1/incidents/${target.id}`, { external_ref: 'SOAR-42:x' })
    t.equal(patched.status, 200)
    await clear(stack.cloudlockUrl)
    await clear(stack.zwaUrl)
    const res = await all(stack, 'external_ref=SOAR-42%3Ax')
    t.same(res.map((i) => i.id), [target.id])
    const sent = (await vendorLog(stack.cloudlockUrl)).filter((r) => r.path === '/api/v2/incidents')
    t.ok(sent.every((r) => r.query.customer_key === 'SOAR-42:x'))
    t.equal((await vendorLog(stack.zwaUrl)).filter((r) => r.path.endsWith('/search')).length, 0, 'ZWA has no such field: not even asked')
  })

  t.test('label: native at ZWA and checked exactly by the gateway; the first colon splits key and value', async (t) => {
    const target = everything.find((i) => i.provider === 'zwa')!
    const labelled = await stack.send('POST', `/v1/incidents/${target.id}/labels`, { labels: [{ key: 'soar', value: 'case:7' }] })
    t.equal(labelled.status, 200)
    await clear(stack.zwaUrl)
    const res = await all(stack, 'label=soar:case:7')
    t.same(res.map((i) => i.id), [target.id])
    const search = (await vendorLog(stack.zwaUrl)).find((r) => r.path.endsWith('/incidents/search'))!
    t.same(search.body.fields.find((f: any) => f.name === 'labels').value, [{ soar: ['case:7'] }])
    t.same(await all(stack, 'label=SOAR:case:7'), [], 'exact: another case of the key matches nothing')
  })

  t.test('several filters combine with AND', async (t) => {
    const res = await all(stack, 'priority=critical&severity=high')
    t.same(res.map((i) => i.id), everything.filter((i) => i.priority === 'critical' && i.severity === 'high').map((i) => i.id))
  })
})

t.test('GET /v1/providers says how each filter is applied', async (t) => {
  const stack = await startStack({ count: 5 })
  t.teardown(stack.close)
  const res = await stack.get('/v1/providers')
  const by = Object.fromEntries(res.body.data.map((p: any) => [p.id, p]))
  t.same(by.zwa.filtering, { severity: 'native', status: 'native', created: 'native', updated: 'gateway', priority: 'native', external_ref: 'none', label: 'native', policy_id: 'none' })
  t.same(by.cloudlock.filtering, { severity: 'native', status: 'native', created: 'native', updated: 'native', priority: 'none', external_ref: 'native', label: 'none', policy_id: 'native' })
  t.ok(by.zwa.capabilities.includes('filter_label') && by.cloudlock.capabilities.includes('filter_policy_id'))
})

t.test('bad filter values are 400 naming the parameter; a cursor keeps its filters', async (t) => {
  const stack = await startStack({ count: 30 })
  t.teardown(stack.close)
  const noColon = await stack.get('/v1/incidents?label=nocolon')
  t.equal(noColon.status, 400)
  t.equal(noColon.body.errors[0].path, '/query/label')
  t.match(noColon.body.errors[0].message, /key:value/)
  const badPriority = await stack.get('/v1/incidents?priority=urgent')
  t.equal(badPriority.status, 400)
  t.equal(badPriority.body.errors[0].path, '/query/priority')
  const first = await stack.get('/v1/incidents?limit=2&label=a:b')
  t.equal(first.status, 200)
  if (first.body.next_cursor) {
    const other = await stack.get(`/v1/incidents?limit=2&label=a:c&cursor=${encodeURIComponent(first.body.next_cursor)}`)
    t.equal(other.body.code, 'invalid_cursor')
  }
  const walked = await stack.get('/v1/incidents?limit=2&external_ref=x')
  t.equal(walked.status, 200)
  t.ok(walked.body.next_cursor === null || typeof walked.body.next_cursor === 'string')
})
