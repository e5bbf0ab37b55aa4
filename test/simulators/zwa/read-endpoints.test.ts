import t from 'tap'
import { B, C, D, E, records, SAMPLE_ID, SAMPLE_RECORD_TEXT } from './fixture-records.ts'
import { call, startSim } from './helpers.ts'

const PREFIXES = ['/dlp/v1', '/zwa/dlp/v1']

t.test('details: bare incident, byte-for-byte as loaded, on both prefixes', async (t) => {
  const sim = await startSim(t, { incidents: records() })
  for (const prefix of PREFIXES) {
    const res = await call(sim, 'GET', `${prefix}/incidents/${SAMPLE_ID}`)
    t.equal(res.status, 200)
    t.match(res.headers['content-type'], /application\/json/)
    t.equal(res.text, SAMPLE_RECORD_TEXT, `${prefix}: same text as the fixture`)
  }
  const missing = await call(sim, 'GET', '/dlp/v1/incidents/1-143-00000000000000000000')
  t.same([missing.status, missing.json], [404, { internalMessage: 'Incident not found: 1-143-00000000000000000000' }])
})

t.test('details: fields projection by repeated keys or commas', async (t) => {
  const sim = await startSim(t, { incidents: records() })
  const repeated = await call(sim, 'GET', `/dlp/v1/incidents/${SAMPLE_ID}?fields=status&fields=resolution&fields=contentInfo`)
  t.same(Object.keys(repeated.json), ['contentInfo', 'status', 'resolution'], 'record order, only those keys')
  t.equal(repeated.json.status, 'RESOLVED')
  const comma = await call(sim, 'GET', `/dlp/v1/incidents/${SAMPLE_ID}?fields=sourceActions,%20severity,bogus`)
  t.same(comma.json, { sourceActions: ['Change to Read Only for Internal Collaborators'], severity: 'HIGH' })
  const empty = await call(sim, 'GET', `/dlp/v1/incidents/${SAMPLE_ID}?fields=`)
  t.equal(empty.text, SAMPLE_RECORD_TEXT, 'empty fields = whole record')
})

t.test('transactions: every incident of the transaction, single-page cursor', async (t) => {
  const sim = await startSim(t, { incidents: records() })
  for (const prefix of PREFIXES) {
    const res = await call(sim, 'GET', `${prefix}/incidents/transactions/17500000000000000001`)
    t.equal(res.status, 200)
    t.same(res.json.cursor, { totalPages: 1, currentPageNumber: 0, currentPageSize: 2, totalElements: 2 })
    t.same(res.json.incidents.map((i: { internalId: string }) => i.internalId).sort(), [B, C])
  }
  const none = await call(sim, 'GET', '/dlp/v1/incidents/transactions/123')
  t.equal(none.status, 404)
  t.match(none.json.internalMessage, /transaction/)
})

t.test('change history, tickets, evidence, triggers', async (t) => {
  const sim = await startSim(t, { incidents: records() })
  const history = await call(sim, 'GET', `/dlp/v1/incidents/${SAMPLE_ID}/change-history`)
  t.equal(history.status, 200)
  t.equal(history.json.incidentId, SAMPLE_ID)
  t.equal(history.json.startDate, '2023-03-13T08:50:46Z')
  t.equal(history.json.endDate, '2023-03-13T09:02:11Z')
  t.match(history.json.changeHistory, [
    { changeType: 'ADD_NOTE', changeData: { before: null, after: 'Known test file' } },
    { changeType: 'CHANGE_STATUS', changedByName: 'dlp-admin@example.com', changeData: { before: 'NEW', after: 'RESOLVED' } },
    { changeType: 'CHANGE_RESOLUTION', changeData: { after: 'FALSE_POSITIVE' } }
  ])
  t.same((await call(sim, 'GET', `/dlp/v1/incidents/${B}/change-history`)).json.changeHistory.map((c: { changeType: string }) => c.changeType),
    ['ADD_LABELS'], 'a NEW incident has no status change')

  const tickets = await call(sim, 'GET', `/zwa/dlp/v1/incidents/${SAMPLE_ID}/tickets`)
  t.same(tickets.json, {
    cursor: { totalPages: 1, currentPageNumber: 0, currentPageSize: 1, totalElements: 1 },
    tickets: [{ ticketType: 'JIRA_CLOUD', ticketingSystemName: 'Jira', projectId: '17', projectName: 'SecOps', ticketInfo: { ticketId: 'SEC-11', ticketUrl: 'https://corp.atlassian.net/browse/SEC-11', state: 'Done' } }]
  })
  t.same((await call(sim, 'GET', `/dlp/v1/incidents/${C}/tickets`)).json.tickets, [], 'no tickets key → []')

  const evidence = await call(sim, 'GET', `/dlp/v1/incidents/${SAMPLE_ID}/evidence`)
  t.same(Object.keys(evidence.json), ['fileName', 'fileType', 'additionalInfo', 'evidenceURL'])
  t.equal(evidence.json.fileName, 'bsn-list.docx')
  t.match(evidence.json.evidenceURL, /^https:\/\/.+\/16786974353299200003\.xml$/)
  t.equal((await call(sim, 'GET', `/dlp/v1/incidents/${D}/evidence`)).json.fileName, '17500000000000000002.txt', 'no content → transaction file')

  const plain = await call(sim, 'GET', `/dlp/v1/incidents/${SAMPLE_ID}/triggers`)
  t.same(Object.keys(plain.json), ['Citizen Service Number'])
  t.match(plain.json['Citizen Service Number'], /^XXXXX\d{4}(, XXXXX\d{4})*$/)
  const context = await call(sim, 'GET', `/dlp/v1/incidents/${SAMPLE_ID}/triggers?fetchTriggerContext=true`)
  t.ok(context.json['Citizen Service Number'].startsWith('BSN: XXXXX'), 'context adds a prefix')
  t.ok(context.json['Citizen Service Number'].includes(plain.json['Citizen Service Number'].split(', ')[0]), 'same masked match inside')
  t.same((await call(sim, 'GET', `/dlp/v1/incidents/${D}/triggers?fetchTriggerContext=false`)).json, {}, 'no dictionaries → {}')
  const badBool = await call(sim, 'GET', `/dlp/v1/incidents/${SAMPLE_ID}/triggers?fetchTriggerContext=yes`)
  t.equal(badBool.status, 400)
  t.type(badBool.json.internalMessage, 'string')

  for (const suffix of ['change-history', 'tickets', 'evidence', 'triggers']) {
    const res = await call(sim, 'GET', `/dlp/v1/incidents/1-1-NOPE/${suffix}`)
    t.same([res.status, res.json], [404, { internalMessage: 'Incident not found: 1-1-NOPE' }], `${suffix} 404`)
  }
})

t.test('incident-groups/search: long form, exact big ids', async (t) => {
  const sim = await startSim(t, { incidents: records() })
  const path = `/dlp/v1/incidents/${B}/incident-groups/search`
  const exact = await call(sim, 'POST', path, { rawBody: '{"incidentGroupIds":[16786743992009003,777]}' })
  t.equal(exact.status, 200)
  t.equal(exact.text, '{"incidentGroups":[{"id":16786743992009003,"name":"Executives","description":"Incidents by the executive team",' +
    '"status":"ACTIVE","incidentGroupType":"DLP","isDLPIncidentGroupAlreadyMapped":true,"isDLPAdminConfigAlreadyMapped":false}]}')
  const neighbour = await call(sim, 'POST', path, { rawBody: '{"incidentGroupIds":[16786743992009004]}' })
  t.same(neighbour.json, { incidentGroups: [] }, 'the neighbouring id is a different group')
  const strings = await call(sim, 'POST', path, { body: { incidentGroupIds: ['1201'] } })
  t.same(strings.json.incidentGroups.map((g: { name: string }) => g.name), ['PCI'], 'digit strings are coerced')
  const all = await call(sim, 'POST', path, { body: { incidentGroupIds: [] } })
  t.equal(all.json.incidentGroups.length, 2, 'empty list → all groups of the incident')
  t.match(all.text, /"id":16786743992009003,/)
  const learned = await call(sim, 'POST', `/dlp/v1/incidents/${E}/incident-groups/search`, { body: { incidentGroupIds: [] } })
  t.match(learned.text, /\{"id":16786743992009004,"name":"Decoy","description":"Neighbour id","status":"ACTIVE"/, 'groups only fixtures know get a long form')
  const none = await call(sim, 'POST', `/dlp/v1/incidents/${D}/incident-groups/search`, { body: { incidentGroupIds: [1201] } })
  t.same(none.json, { incidentGroups: [] }, 'incident without group keys')

  for (const bad of [{}, { incidentGroupIds: 'x' }, { incidentGroupIds: [1.5] }, { incidentGroupIds: [{}] }]) {
    const res = await call(sim, 'POST', path, { body: bad })
    t.equal(res.status, 400, `bad body ${JSON.stringify(bad)}`)
    t.type(res.json.internalMessage, 'string')
  }
  t.equal((await call(sim, 'POST', path)).status, 400, 'body required')
  t.equal((await call(sim, 'POST', '/dlp/v1/incidents/1-1-NOPE/incident-groups/search', { body: { incidentGroupIds: [] } })).status, 404)
})

t.test('emptyGroupSearch "none"', async (t) => {
  const sim = await startSim(t, { incidents: records(), emptyGroupSearch: 'none' })
  const res = await call(sim, 'POST', `/dlp/v1/incidents/${B}/incident-groups/search`, { body: { incidentGroupIds: [] } })
  t.same(res.json, { incidentGroups: [] })
})

t.test('unknown routes and bad JSON', async (t) => {
  const sim = await startSim(t, { count: 3 })
  const route = await call(sim, 'GET', '/dlp/v1/nothing-here')
  t.same([route.status, route.json], [404, { internalMessage: 'No resource found for GET /dlp/v1/nothing-here' }])
  t.equal((await call(sim, 'GET', '/dlp/v2/incidents/search')).status, 404)
  const badJson = await call(sim, 'POST', '/dlp/v1/incidents/search', { rawBody: '{"fields":' })
  t.same([badJson.status, badJson.json], [400, { internalMessage: 'Malformed JSON request body' }])
  // The SDKs send Content-Type: application/json with no body on GET and DELETE.
  const bodiless = await call(sim, 'GET', '/dlp/v1/incidents/search-nope', { headers: { 'content-type': 'application/json' } })
  t.equal(bodiless.status, 404)
})
