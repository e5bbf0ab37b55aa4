// ZWA activity mode: console-like creations and changes, deterministic per seed, visible to the vendor routes.
import t from 'tap'
import { buildZwaSimulator } from '../../../src/vendors/zwa/simulator/app.ts'
import { ADMIN_EMAILS } from '../../../src/vendors/zwa/simulator/catalog.ts'
import { records } from './fixture-records.ts'
import { call as http } from '../helpers/http.ts'
import { call, searchAll, START, startSim } from './helpers.ts'
import type { Sim } from './helpers.ts'

const tick = async (sim: Sim, count: number) => http(sim.url, 'POST', '/__sim/activity/tick', { body: { count } })
const byId = async (sim: Sim): Promise<Map<string, any>> => new Map((await searchAll(sim)).map((i) => [i.internalId, i]))

// Where the console may take a status in one step.
const NEXT: Record<string, string[]> = {
  NEW: ['INVESTIGATING', 'VALIDATING_WITH_USER', 'ESCALATED'],
  VALIDATING_WITH_USER: ['JUSTIFICATION_RESPONSE_RECEIVED', 'RESOLVED'],
  INVESTIGATING: ['RESOLVED'],
  JUSTIFICATION_RESPONSE_RECEIVED: ['RESOLVED'],
  ESCALATED: ['RESOLVED']
}

t.test('a tick creates and changes incidents the way the console would', async (t) => {
  const sim = await startSim(t, { count: 80 })
  const before = await byId(sim)
  sim.clock.advance(60_000)
  const now = START + 60_000
  const res = await tick(sim, 200)
  t.equal(res.status, 200)
  const actions: Array<{ type: string, id: string, changed: string[] }> = res.json.actions
  t.equal(actions.length, 200)
  const created = actions.filter((a) => a.type === 'created')
  t.ok(created.length > 50 && created.length < 110, `${created.length} of 200 are new incidents`)

  const after = await byId(sim)
  t.equal(after.size, before.size + created.length, 'search lists every new incident')
  const untouched = created.filter((c) => !actions.some((a) => a.type === 'updated' && a.id === c.id))
  t.ok(untouched.length > 30, 'most new incidents stay untouched in this batch')
  for (const a of untouched) {
    const incident = after.get(a.id)
    t.match(incident, { status: 'NEW', resolution: null, notes: [], labels: null }, a.id)
    t.equal(Date.parse(incident.createdAt), Math.floor(now / 1000) * 1000 + (incident.createdAt.includes('.') ? now % 1000 : 0), 'created now')
    t.equal(incident.lastUpdatedAt, incident.createdAt)
    t.match(incident.internalId, /^1-(152|143)-[A-Z]{4}-\d{20}$/)
    t.ok(incident.transactionId.startsWith(String(now)), 'the transaction id embeds the creation time')
    t.ok(incident.internalId.endsWith(incident.transactionId))
    t.ok(incident.metadataFileUrl.endsWith(`/${incident.transactionId}.json`))
    t.ok(incident.severity && incident.priority && incident.userInfo && incident.applicationInfo, 'filled like seeded records')
  }

  const kinds = new Set<string>()
  t.ok(created.every((c) => after.has(c.id)))
  for (const a of actions.filter((x) => x.type === 'updated')) {
    const old = before.get(a.id) ?? after.get(a.id)
    const current = after.get(a.id)
    t.equal(current.lastUpdatedAt, new Date(now).toISOString(), `${a.id} lastUpdatedAt moved`)
    t.ok(a.changed.includes('lastUpdatedAt'))
    for (const field of a.changed) kinds.add(field)
    if (!before.has(a.id) || actions.filter((x) => x.id === a.id).length > 1) continue // changed more than once
    if (a.changed.includes('status')) t.ok(NEXT[old.status]?.includes(current.status), `${old.status} -> ${current.status}`)
    if (current.status === 'RESOLVED' && a.changed.includes('status')) t.ok(['FALSE_POSITIVE', 'TRUE_POSITIVE', 'BENIGN'].includes(current.resolution))
    if (a.changed.includes('severity')) t.not(current.severity, old.severity, 'a different severity')
    if (a.changed.includes('labels')) t.ok(current.labels.length >= (old.labels ?? []).length, 'labels added or changed in place')
  }
  t.same([...kinds].sort(), ['labels', 'lastUpdatedAt', 'resolution', 'severity', 'status'], 'every kind of change happens')

  const changed = actions.find((a) => a.type === 'updated' && a.changed.includes('status'))!
  const history = (await call(sim, 'GET', `/dlp/v1/incidents/${changed.id}/change-history`)).json.changeHistory
  t.ok(history.some((h: any) => h.changeType === 'CHANGE_STATUS' && h.changedAt === new Date(now).toISOString()), 'in the change history')
  const audit = (await call(sim, 'POST', '/dlp/v1/customer/audit?pageSize=100', { body: {} })).json
  t.equal(audit.cursor.totalElements, actions.length - created.length, 'one audit entry per change')
  t.ok(audit.logs.every((l: any) => ADMIN_EMAILS.includes(l.changedBy)), 'made by the catalogue admins')
})

t.test('with nothing open and every label present, a change is a severity change', async (t) => {
  const all = [['Reviewed', 'Yes'], ['Reviewed', 'No'], ['Team', 'Finance'], ['Team', 'Legal'], ['Team', 'SecOps'], ['Confidential', 'Yes']]
  let updates = 0
  for (let seed = 1; seed <= 8; seed++) {
    const sim = await startSim(t, { incidents: records(), activity: { perMinute: 0, seed } })
    for (const i of await searchAll(sim)) {
      await http(sim.url, 'PATCH', `/__sim/incidents/${i.internalId}`, { body: { status: 'RESOLVED', labels: all.map(([key, value]) => ({ key, value })) } })
    }
    // Until the first new incident, which is open.
    for (let n = 0; n < 20; n++) {
      const [action] = (await tick(sim, 1)).json.actions
      if (action.type === 'created') break
      t.same(action.changed, ['severity', 'lastUpdatedAt'], `seed ${seed}`)
      updates++
    }
  }
  t.ok(updates > 3, `${updates} changes checked`)
})

t.test('same seed and clock: the same actions and the same data', async (t) => {
  const a = await startSim(t, { count: 40, activity: { perMinute: 0, seed: 9 } })
  const b = await startSim(t, { count: 40, activity: { perMinute: 0, seed: 9 } })
  const c = await startSim(t, { count: 40, activity: { perMinute: 0, seed: 10 } })
  const actions = (await tick(a, 60)).json.actions
  t.same((await tick(b, 60)).json.actions, actions)
  t.same(await searchAll(b), await searchAll(a), 'identical records')
  t.not(JSON.stringify((await tick(c, 60)).json.actions), JSON.stringify(actions), 'another seed, other actions')
})

t.test('the activity seed defaults to the data seed; reset starts the sequence over', async (t) => {
  const a = await startSim(t, { count: 30, seed: 4 })
  const b = await startSim(t, { count: 30, seed: 4, activity: { perMinute: 0, seed: 4 } })
  const first = (await tick(a, 20)).json.actions
  t.same((await tick(b, 20)).json.actions, first)
  await http(a.url, 'POST', '/__sim/reset')
  t.same((await tick(a, 20)).json.actions, first)
})

t.test('the timer runs while listening and stops on close', async (t) => {
  const seen: string[] = []
  const app = await buildZwaSimulator({ count: 10, activity: { perMinute: 6000, onAction: (a) => seen.push(a.id) } })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const until = Date.now() + 5000
  while (seen.length < 3 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 10))
  t.ok(seen.length >= 3, `${seen.length} actions`)
  await app.close()
  const atClose = seen.length
  await new Promise((resolve) => setTimeout(resolve, 200))
  t.equal(seen.length, atClose, 'nothing after close')
})

t.test('activity options are checked', async (t) => {
  await t.rejects(buildZwaSimulator({ activity: { perMinute: -1 } }), /activity\.perMinute/)
})
