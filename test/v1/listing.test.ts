import fc from 'fast-check'
import t from 'tap'
import { expected, readModel } from '../helpers/model.ts'
import { KEYS, startStack, walk } from '../helpers/stack.ts'
import { record as cloudlockRecord, isGroupRead } from '../adapters/cloudlock/helpers.ts'
import { record as zwaRecord } from '../adapters/zwa/harness.ts'

const ids = (pages: any[]) => pages.flatMap((p) => p.data.map((i: any) => i.id))

t.test('walking the cursor returns every incident exactly once, newest first, for any page size', async (t) => {
  const stack = await startStack({ count: 60 })
  t.teardown(() => stack.close())
  const model = await readModel(stack)
  const all = expected(model, {})
  t.equal(all.length, 120)
  for (const limit of [1, 7, 25, 100]) {
    const pages = await walk(stack, `limit=${limit}`)
    const got = ids(pages)
    t.same(got, all, `limit=${limit}: complete, in order, no duplicates`)
    t.ok(pages.slice(0, -1).every((p) => p.data.length === limit), `limit=${limit}: every page but the last is full`)
    t.equal(pages[pages.length - 1].next_cursor, null)
    t.same(pages[0].providers, { zwa: { status: 'ok' }, cloudlock: { status: 'ok' } })
  }
})

t.test('a walk reads each vendor page about once, whatever the gateway page size', async (t) => {
  const stack = await startStack({ count: 250 })
  t.teardown(() => stack.close())
  const all = expected(await readModel(stack), {})
  for (const limit of [30, 100]) {
    await stack.cloudlock.inject({ method: 'DELETE', url: '/__sim/requests' })
    await stack.zwa.inject({ method: 'DELETE', url: '/__sim/requests' })
    const pages = await walk(stack, `limit=${limit}`)
    t.same(ids(pages), all, `limit=${limit}: complete and in order`)
    const cl = (await stack.cloudlock.inject({ method: 'GET', url: '/__sim/requests' })).json().requests
    const zwa = (await stack.zwa.inject({ method: 'GET', url: '/__sim/requests' })).json().requests
    const zwaSearches = zwa.filter((r: any) => r.path.endsWith('/incidents/search'))
    // 250 incidents per provider in vendor pages of 100, each handing on at least 99 (the oldest
    // instant waits): 3 pages. ZWA's totalElements ends the walk there. Cloudlock: the first page
    // reads offset 0 and closes its oldest instant with 2 records at offset 99 (a first page reads
    // no more than it needs); the next fetch starts a query below the consumed instant and reads
    // two whole pages ahead (offsets 0 and 99: 100 + 51 records); the last finds the one record
    // left and ends on the continuation holding only its overlap. 6 calls, never a group read.
    t.equal(cl.length, 6, `limit=${limit}: cloudlock ${cl.length} calls for ${pages.length} gateway pages`)
    t.same(cl.map((r: any) => r.query.offset), ['0', '99', '0', '99', '0', '0'])
    t.same(cl.map((r: any) => r.query.limit), ['100', '2', '100', '100', '100', '100'],
      'cloudlock pages at the vendor maximum, but for the first page\'s continuation')
    t.equal(cl[1].query.created_before, cl[0].query.created_before, 'each continuation continues the query before it')
    t.equal(cl[3].query.created_before, cl[2].query.created_before)
    t.equal(cl[5].query.created_before, cl[4].query.created_before)
    t.notOk(cl.some(isGroupRead))
    // ZWA the same way: the first page's search of 100 and a short fresh search of 2 that closes its
    // oldest millisecond; then a search below the consumed instant read on through its snapshot.
    t.equal(zwaSearches.length, 4, `limit=${limit}: zwa ${zwaSearches.length} searches for ${pages.length} gateway pages`)
    t.same(zwaSearches.map((r: any) => [r.query.page, r.query.pageSize]), [['0', '100'], ['0', '2'], ['0', '100'], ['1', '100']],
      'zwa pages at the vendor maximum, but for the first page\'s short search')
  }
})

t.test('limits.upstream_calls_per_request bounds each gateway page, and the walk stays exact', async (t) => {
  // 600 incidents per provider, a second apart; only 3 of each carry a severity no table knows,
  // which only the gateway can recognise: a very selective gateway-side filter at both vendors.
  const base = Date.parse('2025-05-01T00:00:00Z')
  const rare = new Set([150, 420, 599])
  const stack = await startStack({
    cloudlockRecords: Array.from({ length: 600 }, (_, i) => cloudlockRecord(String(50_000 + i), (base - i * 1000) * 1000, { severity: rare.has(i) ? 'EMERGENCY' : 'INFO' })),
    zwaRecords: Array.from({ length: 600 }, (_, i) => zwaRecord(`1-143-${String(40_000_000_000_000_000_000n + BigInt(i))}`, new Date(base - i * 1000 - 500).toISOString(), { severity: rare.has(i) ? 'SEVERE' : 'INFO' })),
    yaml: 'limits: { upstream_calls_per_request: 3 }'
  })
  t.teardown(() => stack.close())
  const all = expected(await readModel(stack), { severity: ['unknown'] })
  t.equal(all.length, 6)

  const vendorCalls = async () => {
    const cl = (await stack.cloudlock.inject({ method: 'GET', url: '/__sim/requests' })).json().requests
    const zwa = (await stack.zwa.inject({ method: 'GET', url: '/__sim/requests' })).json().requests
    await stack.cloudlock.inject({ method: 'DELETE', url: '/__sim/requests' })
    await stack.zwa.inject({ method: 'DELETE', url: '/__sim/requests' })
    const listed = cl.filter((r: any) => r.path.endsWith('/incidents'))
    const groupRead = listed.some(isGroupRead)
    return { cl: listed.length, zwa: zwa.filter((r: any) => r.path.endsWith('/incidents/search')).length, groupRead }
  }
  await vendorCalls()
  const first = await stack.get('/v1/incidents?limit=5&severity=unknown')
  t.equal(first.status, 200)
  const calls = await vendorCalls()
  t.ok(calls.cl <= 3 && calls.zwa <= 3, `at most 3 vendor calls per provider (${JSON.stringify(calls)})`)
  t.not(first.body.next_cursor, null, 'the budget ran out before the end: the page ends with a cursor')
  t.ok(first.body.data.length < 5)

  const got: string[] = first.body.data.map((i: any) => i.id)
  let cursor: string | null = first.body.next_cursor
  let pages = 1
  while (cursor !== null) {
    const page = await stack.get(`/v1/incidents?limit=5&severity=unknown&cursor=${encodeURIComponent(cursor)}`)
    t.equal(page.status, 200)
    const c = await vendorCalls()
    // A cursor position after a complete instant resumes below it: nothing consumed is re-read, so
    // the budget holds on every page, the end of the walk included.
    if (c.zwa > 3 || c.cl > 3 || c.groupRead) t.fail(`page ${pages}: ${JSON.stringify(c)} vendor calls`)
    got.push(...page.body.data.map((i: any) => i.id))
    cursor = page.body.next_cursor
    if (++pages > 100) throw new Error('walk did not end')
  }
  t.same(got, all, 'every match exactly once, in order')
  t.ok(pages >= 3, `the walk took ${pages} gateway pages`)
})

t.test('without the read-ahead (another replica, or after expiry) a walk is still exact', async (t) => {
  const stack = await startStack({ count: 40 })
  t.teardown(() => stack.close())
  const all = expected(await readModel(stack), {})
  const got: string[] = []
  let cursor: string | null = null
  do {
    stack.app.readAhead.clear()
    const page: any = (await stack.get(`/v1/incidents?limit=9${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)).body
    got.push(...page.data.map((i: any) => i.id))
    cursor = page.next_cursor
  } while (cursor)
  t.same(got, all)
})

t.test('random filters and page sizes match the model (property)', async (t) => {
  const stack = await startStack({ count: 40, seed: 11 })
  t.teardown(() => stack.close())
  const model = await readModel(stack)
  const times = model.map((m) => Number(m.createdMicros / 1000n)).sort((a, b) => a - b)
  const arb = fc.record({
    limit: fc.integer({ min: 1, max: 60 }),
    providers: fc.option(fc.subarray(['zwa', 'cloudlock'], { minLength: 1 }), { nil: undefined }),
    severity: fc.option(fc.subarray(['informational', 'low', 'medium', 'high', 'critical', 'unknown'], { minLength: 1 }), { nil: undefined }),
    status: fc.option(fc.subarray(['new', 'in_progress', 'resolved', 'dismissed'], { minLength: 1 }), { nil: undefined }),
    after: fc.option(fc.constantFrom(...times), { nil: undefined }),
    before: fc.option(fc.constantFrom(...times), { nil: undefined })
  })
  await fc.assert(fc.asyncProperty(arb, async (f) => {
    const q = new URLSearchParams({ limit: String(f.limit) })
    if (f.providers) q.set('provider', f.providers.join(','))
    if (f.severity) q.set('severity', f.severity.join(','))
    if (f.status) q.set('status', f.status.join(','))
    if (f.after !== undefined) q.set('created_after', new Date(f.after).toISOString())
    if (f.before !== undefined) q.set('created_before', new Date(f.before).toISOString())
    const got = ids(await walk(stack, q.toString()))
    const want = expected(model, { providers: f.providers, severity: f.severity, status: f.status, createdAfter: f.after, createdBefore: f.before })
    if (JSON.stringify(got) !== JSON.stringify(want)) throw new Error(`mismatch for ${q}: got ${got.length}, want ${want.length}`)
  }), { numRuns: 25, seed: 42 })
  t.pass('property held')
})

t.test('updated_* windows filter on both providers', async (t) => {
  const stack = await startStack({ count: 40, seed: 5 })
  t.teardown(() => stack.close())
  const model = await readModel(stack)
  const times = model.map((m) => m.updatedMs).sort((a, b) => a - b)
  const after = times[20]
  const before = times[60]
  const got = ids(await walk(stack, `limit=9&updated_after=${new Date(after).toISOString()}&updated_before=${new Date(before).toISOString()}`))
  t.same(got, expected(model, { updatedAfter: after, updatedBefore: before }))
  t.ok(got.length > 0)
})

t.test('incidents arriving mid-walk neither appear nor shift the walk', async (t) => {
  const stack = await startStack({ count: 30 })
  t.teardown(() => stack.close())
  const before = expected(await readModel(stack), {})
  const first = await stack.get('/v1/incidents?limit=10')
  const now = new Date().toISOString()
  const added = await stack.cloudlock.inject({ method: 'POST', url: '/__sim/incidents', payload: [{ severity: 'CRITICAL', created_at: now.replace('Z', '000+00:00') }, { severity: 'ALERT' }] })
  t.equal(added.statusCode, 201)
  const addedZwa = await stack.zwa.inject({ method: 'POST', url: '/__sim/incidents', payload: [{ severity: 'HIGH' }, { severity: 'LOW' }] })
  t.equal(addedZwa.statusCode, 201)
  const rest = await walk(stack, 'limit=10', undefined, first.body.next_cursor)
  t.same([...first.body.data.map((i: any) => i.id), ...ids(rest)], before, 'exactly the incidents that existed when the walk began')
  const fresh = ids(await walk(stack, 'limit=100'))
  t.equal(fresh.length, before.length + 4, 'a new walk sees the arrivals')
})

t.test('a cursor is tamper-evident and bound to its filters', async (t) => {
  const stack = await startStack({ count: 10 })
  t.teardown(() => stack.close())
  const first = await stack.get('/v1/incidents?limit=3&severity=high')
  const cursor: string = first.body.next_cursor
  t.match(cursor, /^v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/)
  const [v, body, mac] = cursor.split('.')
  const decoded = JSON.parse(Buffer.from(body, 'base64url').toString())
  const forgedBody = Buffer.from(JSON.stringify({ ...decoded, pin: new Date().toISOString() })).toString('base64url')
  const cases: Array<[string, string]> = [
    ['flipped signature', `${v}.${body}.${mac.slice(0, -2)}${mac.endsWith('AA') ? 'BB' : 'AA'}`],
    ['forged payload', `${v}.${forgedBody}.${mac}`],
    ['other version', `v2.${body}.${mac}`],
    ['garbage', 'not-a-cursor'],
    ['truncated', cursor.slice(0, 20)]
  ]
  for (const [name, bad] of cases) {
    const res = await stack.get(`/v1/incidents?limit=3&severity=high&cursor=${encodeURIComponent(bad)}`)
    t.equal(res.status, 400, name)
    t.equal(res.body.code, 'invalid_cursor', name)
  }
  const other = await stack.get(`/v1/incidents?limit=3&severity=low&cursor=${encodeURIComponent(cursor)}`)
  t.equal(other.status, 400)
  t.equal(other.body.code, 'invalid_cursor', 'different filters')
  t.match(other.body.detail, /different filters/)
  t.match(other.body.detail, /repeat the same filters and providers as the request that returned this cursor/i, 'says how to fix it')
  const narrowed = await stack.get(`/v1/incidents?limit=3&severity=high&provider=zwa&cursor=${encodeURIComponent(cursor)}`)
  t.equal(narrowed.body.code, 'invalid_cursor', 'different providers')
  const otherKey = await stack.get(`/v1/incidents?limit=3&severity=high&cursor=${encodeURIComponent(cursor)}`, KEYS.cloudlockOnly)
  t.equal(otherKey.body.code, 'invalid_cursor', 'a key seeing other providers cannot reuse it')
  const ok = await stack.get(`/v1/incidents?limit=5&severity=high&cursor=${encodeURIComponent(cursor)}`)
  t.equal(ok.status, 200, 'the page size may change between pages')
})

t.test('list parameters are validated', async (t) => {
  const stack = await startStack({ count: 5 })
  t.teardown(() => stack.close())
  const cases: Array<[string, string]> = [
    ['limit=0', '/query/limit'],
    ['limit=101', '/query/limit'],
    ['limit=ten', '/query/limit'],
    ['severity=urgent', '/query/severity'],
    ['status=open,new', '/query/status'],
    ['created_after=yesterday', '/query/created_after'],
    ['include=everything', '/query/include'],
    ['allow_partial=maybe', '/query/allow_partial'],
    ['colour=blue', '/query/colour'],
    ['provider=Bad_Id', '/query/provider']
  ]
  for (const [query, path] of cases) {
    const res = await stack.get(`/v1/incidents?${query}`)
    t.equal(res.status, 400, query)
    t.equal(res.body.code, 'validation_failed', query)
    t.ok(res.body.errors.some((e: any) => e.path === path), `${query} names ${path}`)
  }
  const unknown = await stack.get('/v1/incidents?provider=netskope')
  t.equal(unknown.status, 404)
  const forbidden = await stack.get('/v1/incidents?provider=zwa', KEYS.cloudlockOnly)
  t.equal(forbidden.status, 403)
  t.equal(forbidden.body.code, 'forbidden')
  const scoped = await walk(stack, 'limit=100', KEYS.cloudlockOnly)
  t.ok(ids(scoped).every((id: string) => id.startsWith('cloudlock:')), 'a restricted key silently sees only its providers')
  t.same(Object.keys(scoped[0].providers), ['cloudlock'])
})

t.test('include=raw adds the vendor record; otherwise it is absent', async (t) => {
  const stack = await startStack({ count: 5 })
  t.teardown(() => stack.close())
  const plain = await stack.get('/v1/incidents?limit=10')
  t.ok(plain.body.data.every((i: any) => !('raw' in i)))
  const raw = await stack.get('/v1/incidents?limit=10&include=raw')
  for (const i of raw.body.data) {
    if (i.provider === 'cloudlock') t.equal(String(i.raw.id), i.native_id)
    else t.equal(i.raw.internalId, i.native_id)
  }
})

t.test('provider failures: 502 by default, marked partial results on request', async (t) => {
  const stack = await startStack({ count: 20 })
  t.teardown(() => stack.close())
  const all = expected(await readModel(stack), {})
  await stack.cloudlock.inject({ method: 'POST', url: '/__sim/faults', payload: { route: 'GET /api/v2/incidents', status: 500 } })
  const failed = await stack.get('/v1/incidents?limit=10')
  t.equal(failed.status, 502)
  t.equal(failed.body.code, 'upstream_error')
  t.same(failed.body.failed_providers.map((f: any) => [f.provider, f.code]), [['cloudlock', 'upstream_error']])
  t.match(failed.body.detail, /allow_partial=true/)

  const partial = await stack.get('/v1/incidents?limit=10&allow_partial=true')
  t.equal(partial.status, 200)
  t.equal(partial.body.providers.zwa.status, 'ok')
  t.equal(partial.body.providers.cloudlock.status, 'error')
  t.equal(partial.body.providers.cloudlock.error.code, 'upstream_error')
  t.ok(partial.body.data.every((i: any) => i.provider === 'zwa'), 'only the healthy provider\'s incidents')
  t.not(partial.body.next_cursor, null)

  // The failed provider's position did not move: once it recovers nothing is lost.
  await stack.cloudlock.inject({ method: 'DELETE', url: '/__sim/faults' })
  const rest = await walk(stack, 'limit=10&allow_partial=true', undefined, partial.body.next_cursor)
  const got = [...partial.body.data.map((i: any) => i.id), ...ids(rest)]
  t.same([...got].sort(), [...all].sort(), 'every incident exactly once after recovery')
  t.equal(new Set(got).size, got.length)

  await stack.zwa.inject({ method: 'POST', url: '/__sim/faults', payload: { status: 503 } })
  await stack.cloudlock.inject({ method: 'POST', url: '/__sim/faults', payload: { status: 503 } })
  const none = await stack.get('/v1/incidents?allow_partial=true')
  t.equal(none.status, 502, 'nothing to return when every provider failed')
  t.same(none.body.failed_providers.map((f: any) => f.provider).sort(), ['cloudlock', 'zwa'])
})

t.test('the caller\'s X-Request-Id reaches both vendors on a listing and a detail', async (t) => {
  const stack = await startStack({ count: 5 })
  t.teardown(() => stack.close())
  const { request } = await import('undici')
  const res = await request(`${stack.url}/v1/incidents?limit=3`, { headers: { authorization: `Bearer ${KEYS.admin}`, 'x-request-id': 'soar-walk-42' } })
  t.equal(res.headers['x-request-id'], 'soar-walk-42')
  const first = ((await res.body.json()) as any).data.find((i: any) => i.provider === 'cloudlock')
  const detail = await request(`${stack.url}/v1/incidents/${first.id}`, { headers: { authorization: `Bearer ${KEYS.admin}`, 'x-request-id': 'soar-detail-7' } })
  await detail.body.dump()
  for (const [name, sim] of [['zwa', stack.zwa], ['cloudlock', stack.cloudlock]] as const) {
    const seen = (await sim.inject({ method: 'GET', url: '/__sim/requests' })).json().requests.filter((r: any) => !r.path.endsWith('/token'))
    t.ok(seen.some((r: any) => r.headers['x-request-id'] === 'soar-walk-42'), `${name} saw the listing's request id`)
  }
  const cl = (await stack.cloudlock.inject({ method: 'GET', url: '/__sim/requests' })).json().requests
  t.ok(cl.some((r: any) => r.headers['x-request-id'] === 'soar-detail-7'), 'cloudlock saw the detail\'s request id')
})
