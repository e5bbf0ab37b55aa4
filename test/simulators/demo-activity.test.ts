// DEMO_ACTIVITY_PER_MIN: read and checked by the config loader, handed to both demo simulators.
import t from 'tap'
import { ConfigError } from '../../src/config/config-error.ts'
import { loadConfig } from '../../src/config/load.ts'
import { startDemo } from '../../src/demo/start-demo.ts'
import { call } from './helpers/http.ts'

const base = { DEMO_INCIDENTS: '5', AUDIT_LOG: 'off' }

t.test('demo.activity_per_minute: 0..600, default 0, from DEMO_ACTIVITY_PER_MIN', async (t) => {
  t.equal(loadConfig(base).demo.activity_per_minute, 0)
  t.equal(loadConfig({ ...base, DEMO_ACTIVITY_PER_MIN: '600' }).demo.activity_per_minute, 600)
  for (const value of ['601', '-1', '1.5', 'often']) {
    t.throws(() => loadConfig({ ...base, DEMO_ACTIVITY_PER_MIN: value }), ConfigError, value)
    t.throws(() => loadConfig({ ...base, DEMO_ACTIVITY_PER_MIN: value }), { message: /DEMO_ACTIVITY_PER_MIN/ }, value)
  }
})

t.test('both demo simulators run the activity timer at the configured rate', async (t) => {
  const demo = await startDemo(loadConfig({ ...base, DEMO_ACTIVITY_PER_MIN: '600' }))
  t.teardown(() => demo.close())
  for (const url of [demo.simulators.zwa, demo.simulators.cloudlock]) {
    const until = Date.now() + 10_000
    let status = (await call(url, 'GET', '/__sim/activity')).json
    t.match(status, { per_minute: 600, running: true }, url)
    while (status.performed === 0 && Date.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, 50))
      status = (await call(url, 'GET', '/__sim/activity')).json
    }
    t.ok(status.performed > 0, `${url}: ${status.performed} console actions`)
  }
})

t.test('off by default: no timer, ticks still work', async (t) => {
  const demo = await startDemo(loadConfig(base))
  t.teardown(() => demo.close())
  for (const url of [demo.simulators.zwa, demo.simulators.cloudlock]) {
    t.match((await call(url, 'GET', '/__sim/activity')).json, { per_minute: 0, running: false, performed: 0 })
    t.equal((await call(url, 'POST', '/__sim/activity/tick', { body: { count: 2 } })).json.actions.length, 2)
  }
})
