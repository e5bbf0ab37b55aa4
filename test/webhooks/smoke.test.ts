import t from 'tap'
import { freshDatabase } from '../helpers/databases.ts'
import { startGateway, startReceiver, version } from './harness.ts'

t.test('smoke: create, deliver, verify', async (t) => {
  const { db } = await freshDatabase(t, 'embedded')
  const gw = await startGateway({ database: db })
  t.teardown(async () => { const s = Date.now(); await gw.close(); console.error("gw close", Date.now() - s) })
  const rx = await startReceiver()
  t.teardown(async () => { const s = Date.now(); await rx.close(); console.error("rx close", Date.now() - s) })
  const created = await gw.call('POST', '/v1/webhooks', { url: `${rx.url}/hook`, events: ['incident.created', 'incident.updated'] })
  t.equal(created.status, 201, JSON.stringify(created.body))
  rx.secrets.push(created.body.secret)
  await gw.record('cl', [version('cl', '1', 1), version('cl', '2', 1)])
  await gw.record('cl', [version('cl', '1', 2, { status: 'resolved' })])
  await rx.waitFor((a) => a.length >= 3)
  t.ok(rx.arrivals.every((a) => a.verified))
  t.same(rx.arrivals.map((a) => a.body.type).sort(), ['incident.created', 'incident.created', 'incident.updated'])
  const got = await gw.call('GET', `/v1/webhooks/${created.body.id}`)
  t.equal(got.status, 200, JSON.stringify(got.body))
  t.notOk('secret' in got.body)
  const deliveries = await gw.call('GET', `/v1/webhooks/${created.body.id}/deliveries`)
  t.equal(deliveries.body.data.length, 3, JSON.stringify(deliveries.body))
})
