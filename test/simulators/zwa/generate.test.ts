import t from 'tap'
import { generateIncidents } from '../../../src/vendors/zwa/simulator/generate.ts'
import { PRIORITIES, RESOLUTIONS, SEVERITIES, STATUSES, TICKET_TYPES } from '../../../src/vendors/zwa/simulator/enums.ts'
import { isRawJson } from '../../../src/vendors/zwa/simulator/json.ts'

const ISO_SECONDS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/
const ISO_MILLIS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/

t.test('one seed gives byte-identical output; another seed does not', async (t) => {
  const a = JSON.stringify(generateIncidents({ seed: 7, count: 200 }))
  const b = JSON.stringify(generateIncidents({ seed: 7, count: 200 }))
  const c = JSON.stringify(generateIncidents({ seed: 8, count: 200 }))
  t.equal(a, b)
  t.not(a, c)
  t.equal(JSON.stringify(generateIncidents({ seed: 'x', count: 3, anchor: '2024-01-01T00:00:00Z' })),
    JSON.stringify(generateIncidents({ seed: 'x', count: 3, anchor: '2024-01-01T00:00:00Z' })))
})

t.test('covers every enum value, even in small data sets', async (t) => {
  for (const count of [12, 500]) {
    const xs = generateIncidents({ seed: 1, count })
    const resolved = xs.filter((x) => x.status === 'RESOLVED')
    t.same(new Set(xs.map((x) => x.severity)), new Set(SEVERITIES), `severities, count ${count}`)
    t.same(new Set(xs.map((x) => x.priority)), new Set(PRIORITIES), `priorities, count ${count}`)
    t.same(new Set(xs.map((x) => x.status)), new Set(STATUSES), `statuses, count ${count}`)
    t.ok(resolved.every((x) => RESOLUTIONS.includes(x.resolution as typeof RESOLUTIONS[number])), 'resolved ones carry a resolution')
    t.ok(xs.filter((x) => x.status !== 'RESOLVED').every((x) => x.resolution === null), 'others have resolution null')
  }
  const xs = generateIncidents({ seed: 1, count: 500 })
  t.same(new Set(xs.filter((x) => x.status === 'RESOLVED').map((x) => x.resolution)), new Set(RESOLUTIONS))
  t.same(new Set(xs.flatMap((x) => x.dlpIncidentTickets ?? []).map((tk) => tk.ticketType)), new Set(TICKET_TYPES))
  t.ok(xs.filter((x) => x.severity === 'INFO').length < xs.length / 10, 'INFO is rare')
})

t.test('records look like real ZWA data', async (t) => {
  const anchor = Date.parse('2025-06-30T00:00:00Z')
  const xs = generateIncidents({ seed: 1, count: 500 })
  t.equal(new Set(xs.map((x) => x.internalId)).size, xs.length, 'ids are unique')
  for (const x of xs) {
    if (!x.internalId.endsWith(x.transactionId) || !/^\d{20}$/.test(x.transactionId)) t.fail(`bad id ${x.internalId}`)
    const created = Date.parse(x.createdAt)
    if (created > anchor || created < anchor - 91 * 86_400_000) t.fail(`createdAt out of range ${x.createdAt}`)
    if (Date.parse(x.lastUpdatedAt) < Date.parse(x.createdAt)) t.fail(`updated before created ${x.internalId}`)
  }
  t.ok(xs.some((x) => /^1-143-\d{20}$/.test(x.internalId)), 'plain 1-143-<transactionId> ids')
  t.ok(xs.some((x) => /^1-\d{3}-[A-Z]{4}-\d{20}$/.test(x.internalId)), 'four-letter ids')
  const perTx = new Map<string, number>()
  for (const x of xs) perTx.set(x.transactionId, (perTx.get(x.transactionId) ?? 0) + 1)
  t.ok([...perTx.values()].filter((n) => n > 1).length >= 5, 'several transactions hold 2+ incidents')
  t.ok(xs.some((x) => ISO_SECONDS.test(x.createdAt)) && xs.some((x) => ISO_MILLIS.test(x.createdAt)), 'whole-second and millisecond timestamps')
  t.ok(xs.every((x) => ISO_SECONDS.test(x.createdAt) || ISO_MILLIS.test(x.createdAt)))
  t.ok(xs.some((x) => x.sourceType === null && x.sourceSubType === null), 'explicit null source')
  t.ok(xs.some((x) => x.userInfo?.clientIP === null), 'explicit null clientIP')
  t.ok(xs.some((x) => x.applicationInfo?.url === null), 'explicit null url')
  t.ok(xs.some((x) => x.networkInfo === null) && xs.some((x) => x.networkInfo !== null))
  t.ok(xs.every((x) => x.closedCode === null))
  t.ok(xs.some((x) => x.labels === null) && xs.some((x) => Array.isArray(x.labels) && x.labels.length === 0) &&
    xs.some((x) => (x.labels?.length ?? 0) > 0), 'labels null, [] and set')
  t.ok(xs.some((x) => !('incidentGroupIds' in x) && !('incidentGroups' in x)), 'group keys omitted on some')
  t.ok(xs.some((x) => x.matchCount === 0 && (x.matchingPolicies?.dictionaries?.length ?? 0) > 0), 'matchCount 0 with dictionary matches')
  t.ok(xs.some((x) => (x.notes?.length ?? 0) > 0))
  t.ok(xs.every((x) => typeof x.userInfo?.userId === 'number' && typeof (x.userInfo?.managerInfo as { id: unknown }).id === 'number'))
  t.ok(xs.flatMap((x) => x.notes ?? []).every((n) => Number.isInteger(n.createdBy)))
  const apps = new Set(xs.map((x) => x.applicationInfo?.hostnameOrApplication))
  for (const app of ['BOX', 'Gmail', 'OneDrive']) t.ok(apps.has(app), `app ${app}`)
  t.ok(xs.some((x) => (x.incidentGroupIds ?? []).some(isRawJson)), 'some group ids beyond 2^53')
})
