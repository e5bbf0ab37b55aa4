import t from 'tap'
import { mapZwaIncident } from '../../../src/vendors/zwa/map-incident.ts'
import { EnumMapper } from '../../../src/mapping/mapper.ts'
import { resolveTables } from '../../../src/mapping/tables.ts'
import { incidentCalls, startZwa, vendorSearchAll } from './harness.ts'
import { BIG_GROUPS_TEXT, DOC_START_TEXT, parse, REF_11_TEXT } from './samples.ts'

const SAMPLE = '1-143-16786974353299200003'
const REF = '1-152-KQWX-17500012345678901234'
const BIG = '1-152-BIGG-17500000000000000009'
const incidents = () => [parse(DOC_START_TEXT), parse(REF_11_TEXT), parse(BIG_GROUPS_TEXT)]

t.test('get: the record through the wire maps exactly as the record itself, ids beyond 2^53 intact', async (t) => {
  const h = await startZwa(t, { sim: { incidents: incidents() } })
  const mapper = new EnumMapper(resolveTables('zwa'))
  for (const [id, text] of [[SAMPLE, DOC_START_TEXT], [REF, REF_11_TEXT], [BIG, BIG_GROUPS_TEXT]]) {
    const incident = await h.adapter.get(id)
    t.same(incident, mapZwaIncident(parse(text), 'zwa', mapper).incident, id)
  }
  const big = await h.adapter.get(BIG)
  t.match(JSON.stringify(big.raw), /"incidentGroupIds":\[16786743992009003,9007199254740993\]/)
  t.match(JSON.stringify(big.raw), /"createdBy":9007199254740993/)
  const [call] = await h.requests(incidentCalls)
  t.same({ method: call.method, path: call.path, query: call.query }, { method: 'GET', path: `/dlp/v1/incidents/${SAMPLE}`, query: {} }, 'the full record: no fields projection')
  await t.rejects(h.adapter.get('1-143-00000000000000000000'), { code: 'not_found', statusCode: 404, detail: /Incident not found/ })
})

t.test('history: [{type, at, actor, before, after, comment}], after a close too', async (t) => {
  const h = await startZwa(t, { sim: { incidents: incidents() } })
  h.clock.advance(1234)
  await h.adapter.close(REF, { notes: 'Benign test file', classification: 'false_positive' })
  const history = await h.adapter.history(REF)
  const vendor = await h.vendor('GET', `/dlp/v1/incidents/${REF}/change-history`)
  t.equal(history.length, vendor.changeHistory.length)
  t.ok(history.length >= 2)
  t.same(history, vendor.changeHistory.map((c: any) => ({
    type: c.changeType,
    at: new Date(c.changedAt).toISOString(),
    actor: c.changedByName,
    before: c.changeData.before,
    after: c.changeData.after,
    comment: c.comment ?? null
  })))
  t.same(history.find((e) => e.type === 'CHANGE_STATUS'), {
    type: 'CHANGE_STATUS', at: '2025-07-01T00:00:01.234Z', actor: 'api-key:gw-key-id', before: 'NEW', after: 'RESOLVED', comment: 'Benign test file'
  })
  t.ok(history.every((e) => e.at === null || /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(e.at)), 'ms precision, Z')
  t.match((await h.requests(incidentCalls)).at(-1), { method: 'GET', path: `/dlp/v1/incidents/${REF}/change-history` })
})

t.test('evidence: {file_name, file_type, url, additional_info}', async (t) => {
  const h = await startZwa(t, { sim: { incidents: incidents(), evidenceBaseUrl: 'https://evidence.example.net/dlp' } })
  t.same(await h.adapter.evidence(REF), {
    file_name: 'cards.xlsx',
    file_type: 'xlsx',
    url: 'https://evidence.example.net/dlp/17500012345678901234.xml',
    additional_info: {}
  })
  t.same(await h.adapter.evidence(BIG), {
    file_name: '17500000000000000009.txt', file_type: 'txt', url: 'https://evidence.example.net/dlp/17500000000000000009.xml', additional_info: {}
  }, 'no contentInfo: the vendor names the transaction file')
  t.match((await h.requests(incidentCalls))[0], { method: 'GET', path: `/dlp/v1/incidents/${REF}/evidence` })
})

t.test('triggers: matched content with context, as {dictionary: text}', async (t) => {
  const h = await startZwa(t, { sim: { incidents: incidents() } })
  const triggers = await h.adapter.triggers(REF)
  const [call] = await h.requests(incidentCalls)
  t.same({ path: call.path, query: call.query }, { path: `/dlp/v1/incidents/${REF}/triggers`, query: { fetchTriggerContext: 'true' } })
  t.same(Object.keys(triggers), ['Credit Cards'])
  t.same(triggers, await h.vendor('GET', `/dlp/v1/incidents/${REF}/triggers?fetchTriggerContext=true`))
  t.ok(Object.values(triggers).every((v) => typeof v === 'string' && v.length > 0))
})

t.test('tickets: [{type, system, project_id, project_name, ticket_id, url, state}]', async (t) => {
  const h = await startZwa(t, { sim: { incidents: incidents() } })
  t.same(await h.adapter.tickets(SAMPLE), [{
    type: 'JIRA_CLOUD',
    system: 'Jira-tenant-proxy 2',
    project_id: '17',
    project_name: 'Dev test team project',
    ticket_id: 'DTTP-11',
    url: 'https://zscaler-dev.atlassian.net/browse/DTTP-11',
    state: 'Done'
  }])
  t.same(await h.adapter.tickets(REF), [])
  t.match((await h.requests(incidentCalls))[0], { method: 'GET', path: `/dlp/v1/incidents/${SAMPLE}/tickets` })
})

t.test('groups: the incident\'s own group ids, searched as exact JSON integers', async (t) => {
  const h = await startZwa(t, { sim: { incidents: incidents() } })
  const groups = await h.adapter.groups(BIG)
  t.same(groups, [
    { id: '16786743992009003', name: 'Executives', description: 'Incidents by the executive team', status: 'ACTIVE', type: 'DLP', incident_group_already_mapped: true, admin_config_already_mapped: false },
    { id: '9007199254740993', name: 'Legacy Import', description: 'Imported from the previous DLP', status: 'INACTIVE', type: 'DLP', incident_group_already_mapped: false, admin_config_already_mapped: true }
  ])
  const [details, search] = await h.requests(incidentCalls)
  t.same({ method: details.method, path: details.path, query: details.query }, { method: 'GET', path: `/dlp/v1/incidents/${BIG}`, query: { fields: ['incidentGroupIds', 'incidentGroups'] } })
  t.same({ method: search.method, path: search.path }, { method: 'POST', path: `/dlp/v1/incidents/${BIG}/incident-groups/search` })
  t.match(await h.requestsText(), /"body":\{"incidentGroupIds":\[16786743992009003,9007199254740993\]\}/, 'exact integer literals, not strings, not rounded')

  await h.clearLog()
  t.same(await h.adapter.groups(SAMPLE), [], 'no groups: no search (an empty list is ambiguous upstream)')
  t.equal((await h.requests(incidentCalls)).length, 1)
  const ref = await h.adapter.groups(REF)
  t.same(ref.map((g) => [g.id, g.name]), [['1201', 'PCI']])
})

t.test('transactions: the incidents of one transaction, mapped', async (t) => {
  const h = await startZwa(t, { sim: { count: 120 } })
  const all = await vendorSearchAll(h, {})
  const byTx = new Map<string, string[]>()
  for (const r of all) byTx.set(r.transactionId, [...(byTx.get(r.transactionId) ?? []), r.internalId])
  const [tx, ids] = [...byTx].find(([, list]) => list.length >= 2)!
  await h.clearLog()
  const incidents = await h.adapter.transactionIncidents(tx)
  t.same(incidents.map((i) => i.native_id).sort(), [...ids].sort())
  t.ok(incidents.every((i) => i.provider === 'zwa' && i.raw && (i.raw as any).transactionId === tx))
  t.same((await h.requests(incidentCalls)).map((r) => [r.method, r.path]), [['GET', `/dlp/v1/incidents/transactions/${tx}`]])
  await t.rejects(h.adapter.transactionIncidents('SVDP-17410643229970491392'), { code: 'not_found' })
})

t.test('sub-resource envelopes the gateway cannot read are upstream errors', async (t) => {
  const h = await startZwa(t, { sim: { incidents: incidents() } })
  await h.fault({ route: 'GET /dlp/v1/incidents', mode: 'malformed', status: 200 })
  const calls: Array<() => Promise<unknown>> = [() => h.adapter.history(REF), () => h.adapter.evidence(REF), () => h.adapter.triggers(REF), () => h.adapter.tickets(REF), () => h.adapter.groups(REF), () => h.adapter.transactionIncidents('17500012345678901234')]
  for (const call of calls) {
    await t.rejects(call(), { code: 'upstream_error', statusCode: 502 })
  }
})
