// Three processes share one vendor budget through Redis: together they never exceed it in any
// window (counting a request from its send to its completion), and together they use most of it.
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { dropPrefix, connected, randomPrefix, redisMissing, redisUrl } from './redis.ts'

const hammer = fileURLToPath(new URL('./hammer.ts', import.meta.url))

interface Report { requests: Array<[number, number]>, errors: string[], modes: string[] }

function run (args: object): Promise<Report> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [hammer, JSON.stringify(args)], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.on('data', (d) => { out += d })
    child.stderr.on('data', (d) => { err += d })
    child.on('close', (code) => {
      if (code === 0) resolve(JSON.parse(out))
      else reject(new Error(`hammer exited ${code}: ${err}`))
    })
  })
}

// The most requests any window [t, t + ms) of the vendor can see: request i is seen by a window
// when it was sent before the window ends and completed after it began. The count only changes
// at completions, so checking windows that begin at a completion is enough.
function busiestWindow (requests: Array<[number, number]>, ms: number): number {
  let most = 0
  for (const [, begin] of requests) {
    let n = 0
    for (const [sent, done] of requests) if (sent < begin + ms && done >= begin) n++
    most = Math.max(most, n)
  }
  return most
}

t.test('three processes stay within one shared budget', { skip: await redisMissing() }, async (t) => {
  const admin = await connected()
  const prefix = randomPrefix()
  t.teardown(async () => {
    await dropPrefix(admin, prefix)
    admin.disconnect()
  })
  const windows = [{ limit: 10, ms: 1_000 }, { limit: 25, ms: 3_000 }]
  const durationMs = 4_000
  const startAt = Date.now() + 1_500 // all three begin together, after their start-up
  const args = { url: redisUrl, prefix, cls: 'medium', windows, startAt, durationMs, workers: 4, shared: true }
  const control = { ...args, shared: false }
  const [reports, controls] = await Promise.all([
    Promise.all([run(args), run(args), run(args)]),
    Promise.all([run(control), run(control), run(control)])
  ])
  t.same(reports.map((r) => r.errors), [[], [], []], 'no store errors')
  t.same(reports.map((r) => r.modes), [[], [], []], 'every process stayed in shared mode')
  const all = reports.flatMap((r) => r.requests)
  for (const w of windows) {
    const most = busiestWindow(all, w.ms)
    t.ok(most <= w.limit, `at most ${w.limit} requests in any ${w.ms} ms across the three processes (busiest: ${most})`)
  }
  // The budget allows about min(10 x 4, 25 + 10) requests in 4 s; at least half of 10 x 4 s / 1 s.
  const perProcess = reports.map((r) => r.requests.length)
  t.ok(all.length >= 20, `together not starved: ${all.length} requests (${perProcess.join(' + ')})`)
  // The control: the same processes with a budget each (no Redis) break the vendor's limit, so
  // the check above can fail.
  const unshared = busiestWindow(controls.flatMap((r) => r.requests), windows[0].ms)
  t.ok(unshared > windows[0].limit, `per-process budgets together exceed it (busiest: ${unshared})`)
})
