import t from 'tap'
import { ids, record, startCloudlock } from '../helpers/cloudlock.ts'
import { generateIncidents } from '../../../src/vendors/cloudlock/simulator/generate.ts'

t.test('paging: default 20, max 100 clamped, offset past the end is empty', async (t) => {
  const sim = await startCloudlock(t, { count: 250 })
  const first = await sim.get('/incidents')
  t.equal(first.status, 200)
  t.same(Object.keys(first.json), ['items', 'total'], 'envelope {items, total}')
  t.equal(first.json.items.length, 20)
  t.equal(first.json.total, 0, 'total is 0 unless count_total=true')
  t.equal((await sim.get('/incidents?limit=100')).json.items.length, 100)
  t.equal((await sim.get('/incidents?limit=101')).json.items.length, 100, 'clamped')
  t.equal((await sim.get('/incidents?limit=99999999999999999999999')).json.items.length, 100)
  t.equal((await sim.get('/incidents?limit=1')).json.items.length, 1)
  t.same(ids(await sim.get('/incidents?offset=245')), ids(await sim.get('/incidents?limit=100&offset=200')).slice(45))
  t.same((await sim.get('/incidents?offset=250')).json.items, [])
  t.same((await sim.get('/incidents?offset=99999999999999999999999')).json.items, [])
  for (const query of ['limit=0', 'limit=abc', 'limit=-1', 'limit=1.5', 'limit=', 'offset=-1', 'offset=x', 'offset=1e3', 'limit=5&limit=6']) {
    const res = await sim.get(`/incidents?${query}`)
    t.equal(res.status, 400, query)
    t.type(res.json.message, 'string')
  }
  const strict = await startCloudlock(t, { count: 5, limitOverflow: 'error' })
  t.equal((await strict.get('/incidents?limit=101')).status, 400)
  t.equal((await strict.get('/incidents?limit=100')).status, 200)
})

t.test('walking offsets returns every incident once, in created_at order', async (t) => {
  const sim = await startCloudlock(t, { count: 250, seed: 9 })
  const seen: { id: string, created_at: string }[] = []
  for (let offset = 0; ; offset += 100) {
    const page = (await sim.get(`/incidents?limit=100&offset=${offset}`)).json.items
    if (page.length === 0) break
    seen.push(...page)
  }
  t.equal(seen.length, 250)
  t.equal(new Set(seen.map((i) => i.id)).size, 250)
  t.same(seen, generateIncidents({ seed: 9, count: 250 }), 'served data is the generator output, in order')
})

t.test('order variants with numeric id tie-break in the same direction', async (t) => {
  const same = '2022-05-05T05:05:05.555555+00:00'
  const sim = await startCloudlock(t, {
    incidents: [
      record('100', same, '2022-05-06T00:00:00.000000+00:00'),
      record('9', same, '2022-05-07T00:00:00.000000+00:00'),
      record('10', same, '2022-05-06T00:00:00.000000+00:00'),
      record('7', '2022-05-01T00:00:00.000000+00:00', '2022-05-08T00:00:00.000000+00:00'),
      record('50', '2022-05-09T00:00:00.000000+00:00', '2022-05-09T00:00:00.000000+00:00')
    ]
  })
  t.same(ids(await sim.get('/incidents')), ['7', '9', '10', '100', '50'], 'default created_at ascending, ids numerically')
  t.same(ids(await sim.get('/incidents?order=created_at')), ['7', '9', '10', '100', '50'])
  t.same(ids(await sim.get('/incidents?order=-created_at')), ['50', '100', '10', '9', '7'])
  t.same(ids(await sim.get('/incidents?order=updated_at')), ['10', '100', '9', '7', '50'])
  t.same(ids(await sim.get('/incidents?order=-updated_at')), ['50', '7', '9', '100', '10'])
  for (const order of ['severity', '-severity', 'created', 'id', '+created_at', 'CREATED_AT']) {
    t.equal((await sim.get(`/incidents?order=${encodeURIComponent(order)}`)).status, 400, order)
  }
})

t.test('fields restricts top-level fields; flat joins keys with "_"', async (t) => {
  const sim = await startCloudlock(t, { count: 30 })
  const full = (await sim.get('/incidents?limit=30')).json.items
  const withMatches = full.find((i: { matches: unknown[] }) => i.matches.length > 0)
  const projected = (await sim.get('/incidents?limit=30&fields=id,entity')).json.items
  t.same(projected, full.map((i: { id: string, entity: unknown }) => ({ id: i.id, entity: i.entity })))
  const oneUnknown = (await sim.get('/incidents?limit=1&fields=id,%20nope,')).json.items
  t.same(oneUnknown, [{ id: full[0].id }], 'unknown names are absent, blanks ignored')
  t.equal((await sim.get('/incidents?fields=')).status, 400)
  t.equal((await sim.get('/incidents?fields=,')).status, 400)

  const flat = (await sim.get('/incidents?limit=30&flat=true&fields=id,entity,policy,matches,match_count')).json.items
  const item = flat.find((i: { id: string }) => i.id === withMatches.id)
  t.equal(item.entity_vendor_name, withMatches.entity.vendor.name)
  t.equal(item.entity_owner_email, withMatches.entity.owner_email)
  t.equal(item.entity_extra_origin_type_label, withMatches.entity.extra.origin_type_label)
  t.equal(item.policy_name, withMatches.policy.name)
  t.equal(item.matches_0_text, withMatches.matches[0].text)
  for (const i of flat) {
    for (const [key, value] of Object.entries(i)) {
      const nested = value !== null && typeof value === 'object' && Object.keys(value).length > 0
      t.notOk(nested, `${key} is flat`)
    }
  }
  const noMatches = flat.find((i: Record<string, unknown>) => Array.isArray(i.matches))
  t.same(noMatches?.matches, [], 'empty arrays stay as values')
  t.same((await sim.get('/incidents?limit=30&flat=false')).json.items, full)
  t.same((await sim.get('/incidents?limit=30&flat=FALSE')).json.items, full)
  t.equal((await sim.get('/incidents?flat=yes')).status, 400)
})

t.test('count_total and the envelope options', async (t) => {
  const sim = await startCloudlock(t, { count: 80 })
  const critical = (await sim.get('/incidents?severity=CRITICAL&limit=100')).json.items.length
  t.ok(critical > 0)
  t.equal((await sim.get('/incidents?count_total=true&severity=CRITICAL&limit=1')).json.total, critical, 'counts all matches, not the page')
  t.equal((await sim.get('/incidents?count_total=True')).json.total, 80)
  t.equal((await sim.get('/incidents?count_total=false')).json.total, 0)
  t.equal((await sim.get('/incidents?count_total=1')).status, 400)

  const counted = await startCloudlock(t, { count: 12, countTotalDefault: true })
  t.equal((await counted.get('/incidents')).json.total, 12)
  t.equal((await counted.get('/incidents?count_total=false')).json.total, 0)

  const omit = await startCloudlock(t, { count: 12, totalWhenNotCounted: 'omit' })
  t.same(Object.keys((await omit.get('/incidents')).json), ['items'])
  t.equal((await omit.get('/incidents?count_total=true')).json.total, 12)

  const extras = await startCloudlock(t, { count: 12, envelopeExtras: true })
  const res = (await extras.get('/incidents?limit=5&offset=10&count_total=true')).json
  t.same(Object.keys(res), ['limit', 'offset', 'total', 'results', 'items'], 'the vendor doc sample envelope')
  t.match(res, { limit: 5, offset: 10, total: 12, results: 2 })
})
