// The kit's activity runner with a stand-in vendor: mix, determinism, ticks, timer and its shutdown.
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import {
  ActivityRunner, checkActivityOptions, parseTickBody, type ActivityAction, type ActivityOptions, type ActivityVendor
} from '../../../src/sim-kit/activity.ts'
import { buildKitApp } from '../helpers/kit-app.ts'

// Each action is named by the RNG draws it made, so equal sequences mean equal RNG use.
function fakeVendor (opts: { changeable?: () => boolean } = {}): ActivityVendor & { creates: number, changes: number } {
  const vendor = {
    creates: 0,
    changes: 0,
    create: (rng: any): ActivityAction => {
      vendor.creates++
      return { type: 'created', id: `c-${rng.alnum(6)}`, changed: [] }
    },
    change: (rng: any): ActivityAction | undefined => {
      if (opts.changeable?.() === false) return undefined
      vendor.changes++
      return { type: 'updated', id: `u-${rng.alnum(6)}`, changed: ['severity', 'updated_at'] }
    }
  }
  return vendor
}

const runner = (seed: string, vendor = fakeVendor(), opts?: ActivityOptions) =>
  new ActivityRunner(vendor, seed, opts, (err) => { throw err })

t.test('about 40 % creations, the rest changes; creations when nothing can change', async (t) => {
  const vendor = fakeVendor()
  const actions = runner('mix', vendor).tick(1000)
  t.equal(actions.length, 1000)
  t.ok(vendor.creates > 350 && vendor.creates < 450, `${vendor.creates} creations of 1000`)
  t.equal(vendor.creates + vendor.changes, 1000)

  const empty = fakeVendor({ changeable: () => false })
  t.ok(runner('mix', empty).tick(50).every((a) => a.type === 'created'), 'an empty store only grows')
})

t.test('one seed, one sequence; another seed, another; reset starts it over', async (t) => {
  const a = runner('s1').tick(30)
  t.same(runner('s1').tick(30), a)
  t.not(JSON.stringify(runner('s2').tick(30)), JSON.stringify(a))
  const r = runner('s1')
  r.tick(7)
  r.reset()
  t.same(r.tick(30), a)
})

t.test('tick input: absent or {count: 1..1000}, nothing else', async (t) => {
  t.equal(parseTickBody(undefined), 1)
  t.equal(parseTickBody({}), 1)
  t.equal(parseTickBody({ count: 1000 }), 1000)
  for (const body of [[], 'x', 3, { count: 0 }, { count: 1001 }, { count: 1.5 }, { count: '2' }, { count: 1, more: true }]) {
    t.throws(() => parseTickBody(body), { message: /count|JSON object|unknown field/ }, JSON.stringify(body))
  }
  t.doesNotThrow(() => checkActivityOptions('X', { perMinute: 0 }))
  for (const perMinute of [-1, Number.NaN, Infinity, 6001]) {
    t.throws(() => checkActivityOptions('X', { perMinute }), RangeError, String(perMinute))
  }
})

t.test('admin routes: tick performs N actions, GET reports the runner; no timer without a rate', async (t) => {
  const state = await buildKitApp({ activity: { vendor: fakeVendor(), seed: 'kit' } })
  t.teardown(() => state.app.close())
  await state.app.ready()
  const res = await state.app.inject({ method: 'POST', url: '/__sim/activity/tick', payload: { count: 5 } })
  t.equal(res.statusCode, 200)
  t.same(res.json(), { actions: runner('kit').tick(5) })
  const one = await state.app.inject({ method: 'POST', url: '/__sim/activity/tick' })
  t.equal(one.json().actions.length, 1, 'no body: one action')
  const bad = await state.app.inject({ method: 'POST', url: '/__sim/activity/tick', payload: { count: 0 } })
  t.equal(bad.statusCode, 400)
  t.match(bad.json(), { message: /count/ })
  const status = await state.app.inject({ method: 'GET', url: '/__sim/activity' })
  t.same(status.json(), { per_minute: 0, running: false, performed: 6 })

  await state.app.inject({ method: 'POST', url: '/__sim/reset' })
  const again = await state.app.inject({ method: 'POST', url: '/__sim/activity/tick', payload: { count: 5 } })
  t.same(again.json(), res.json(), 'reset re-seeds the activity')
})

t.test('without the activity option there are no activity routes', async (t) => {
  const state = await buildKitApp()
  t.teardown(() => state.app.close())
  t.equal((await state.app.inject({ method: 'POST', url: '/__sim/activity/tick' })).statusCode, 404)
})

t.test('the timer acts at the configured rate, in the tick sequence, and stops on close', async (t) => {
  const seen: ActivityAction[] = []
  const state = await buildKitApp({
    activity: { vendor: fakeVendor(), seed: 'timer', options: { perMinute: 6000, onAction: (a) => seen.push(a) } }
  })
  t.equal(seen.length, 0, 'nothing before the app is ready')
  await state.app.ready()
  const status = (await state.app.inject({ method: 'GET', url: '/__sim/activity' })).json()
  t.match(status, { per_minute: 6000, running: true })
  const until = Date.now() + 5000
  while (seen.length < 5 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 10))
  t.ok(seen.length >= 5, `${seen.length} actions by the timer`)
  await state.app.close()
  const atClose = seen.length
  await new Promise((resolve) => setTimeout(resolve, 200))
  t.equal(seen.length, atClose, 'no action after close')
  t.same(seen, runner('timer').tick(atClose), 'the same sequence as ticks')
})

t.test('a running timer does not keep the process alive', async (t) => {
  const activity = fileURLToPath(new URL('../../../src/sim-kit/activity.ts', import.meta.url))
  const script = `import { ActivityRunner } from ${JSON.stringify(activity)}
const vendor = { create: (r) => ({ type: 'created', id: r.alnum(3), changed: [] }), change: () => undefined }
const runner = new ActivityRunner(vendor, 'x', { perMinute: 1 }, () => {})
runner.start()
if (!runner.running) process.exit(3)`
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { timeout: 10_000, encoding: 'utf8' })
  t.equal(child.signal, null, 'exited on its own, not killed at the timeout')
  t.equal(child.status, 0, child.stderr)
})
