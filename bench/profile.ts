// `node bench/profile.ts <detail|list|changes> [seconds]`: runs the gateway under `--cpu-prof`
// against a simulator, loads one path, and prints where the samples went (self time by function
// and by package/folder). The profile file is kept for Chrome DevTools. Not part of `npm test`.
//
// `changes` serves its feed from a fresh database on the local PostgreSQL (BENCH_DATABASE_URL, as
// `npm run bench` does; dropped afterwards), the production store, when one answers; PROFILE_YAML
// (e.g. `store: { data_dir: ... }`) or PROFILE_STORE=embedded chooses otherwise.
//
// Only 200s are worth profiling. Load shedding is off (unless PROFILE_YAML sets it): the embedded
// store runs its queries on the event loop, whose delay then passes the default 1 s on a loaded
// machine, and every request for the next second was a 503 in a millisecond (with a 200 ms limit,
// 9,974 503s in 6 s against ~10 pages/s served): the profile measured shedding. Any answer that is
// still not a 200 is counted by status, with a warning.
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import { feedLoaded } from './cpu.ts'
import { benchDatabase } from './lib/bench-database.ts'
import { BENCH_KEY, startGateway } from './lib/gateway.ts'
import { load } from './lib/load.ts'
import { startProcess } from './lib/processes.ts'
import { summarizeProfile } from './lib/profile-summary.ts'

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url))
const [kind = 'detail', secondsArg = '8'] = process.argv.slice(2)
const dir = mkdtempSync(join(tmpdir(), 'gw-prof-'))
const db = kind === 'changes' && process.env.PROFILE_YAML === undefined && process.env.PROFILE_STORE !== 'embedded'
  ? await benchDatabase('gw_profile')
  : null
const yaml = [
  process.env.PROFILE_YAML ?? (db ? `store: { database_url: "${db.url}" }` : ''),
  process.env.PROFILE_YAML?.includes('load_shedding') === true ? '' : 'load_shedding: { max_event_loop_delay_ms: 0 }'
].join('\n')
const sim = await startProcess(here('./servers/simulator.ts'), ['cloudlock', kind === 'changes' ? '2000' : '500'])
const gateway = await startGateway({ cloudlock: sim.url }, yaml, {
  nodeFlags: ['--cpu-prof', `--cpu-prof-dir=${dir}`],
  providerExtra: kind === 'changes' ? ', sync: { enabled: true, poll_interval_s: 3600 }' : ''
})
const window = { from: 0, to: 0 }
const headers = { authorization: `Bearer ${BENCH_KEY}` }
try {
  if (kind === 'changes') await feedLoaded(gateway.url, headers)
  const paths = kind === 'list'
    ? ['/v1/incidents?provider=cloudlock&limit=100']
    : kind === 'changes'
      ? ['/v1/changes?limit=1000']
      : Array.from({ length: 100 }, (_, i) => `/v1/incidents/cloudlock:${String(i + 1)}`)
  if (kind === 'detail') {
    const first = await fetch(`${sim.url}/api/v2/incidents?limit=100`, { headers: { authorization: 'Bearer bench-token' } })
    const ids = ((await first.json()) as { items: Array<{ id: string }> }).items.map((i) => i.id)
    paths.splice(0, paths.length, ...ids.map((id) => `/v1/incidents/cloudlock:${id}`))
  }
  await load(gateway.url, { duration: 2, headers, paths }) // warm-up, left out of the summary
  window.from = Number(process.hrtime.bigint() / 1000n)
  const result = await measured(gateway.url, Number(secondsArg), headers, paths)
  window.to = Number(process.hrtime.bigint() / 1000n)
  const store = db ? 'PostgreSQL' : process.env.PROFILE_YAML === undefined ? 'default store' : 'PROFILE_YAML'
  process.stdout.write(`${kind} (${store}): ${Math.round(result.requests.average)} req/s, ` +
    `non-2xx ${result.non2xx}, errors ${result.errors}\n`)
  if (result.non2xx > 0 || result.errors > 0) {
    process.stdout.write(`WARNING: not only 200s were profiled (non-2xx by status ${JSON.stringify(byStatus(result))})\n`)
  }
} finally {
  await gateway.stop()
  await sim.stop()
  await db?.drop()
}
process.stdout.write(`${summarizeProfile(dir, window)}\nprofile in ${dir}\n`)

// The measured load, as bench/lib/load.ts runs it, keeping autocannon's count by status code.
async function measured (url: string, duration: number, headers: Record<string, string>, paths: string[]) {
  let next = 0
  return autocannon({
    url,
    requests: [{ setupRequest: (req: any) => ({ ...req, path: paths[next++ % paths.length] }) }],
    connections: 16,
    duration,
    headers,
    pipelining: 1
  })
}

function byStatus (result: autocannon.Result): Record<string, number> {
  const stats = (result as unknown as { statusCodeStats: Record<string, { count: number }> }).statusCodeStats
  return Object.fromEntries(Object.entries(stats).filter(([code]) => !code.startsWith('2')).map(([code, s]) => [code, s.count]))
}
