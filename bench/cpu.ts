import { fileURLToPath } from 'node:url'
import { benchDatabase } from './lib/bench-database.ts'
import { request } from 'undici'
import { BENCH_KEY, startGateway } from './lib/gateway.ts'
import { load } from './lib/load.ts'
import { cpuSeconds, mainThreadCpuSeconds, startProcess, type Proc } from './lib/processes.ts'
import { nginxBinary, startNginx } from './servers/nginx.ts'

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url))

// One target: a process, the requests it serves, and how many units (incidents, changes) each carries.
interface Target {
  name: string
  proc: Proc
  headers: Record<string, string>
  paths: string[]
  units: number
}
export interface Figure {
  requests: number
  cpuSeconds: number
  rps: number // mean over the rounds
  p50: number // median of the rounds' p50
  cpuUsPerRequest: number
  cpuUsPerUnit: number
  mainThreadShare: number // of the CPU, the main thread's; the rest is mostly V8's GC helper threads
  perRound: Array<{ rps: number, cpuUsPerRequest: number }>
  non2xx: number
  errors: number
}
export interface CpuResult {
  rounds: number
  nginx: boolean
  feedStore: 'postgresql' | 'embedded'
  figures: Record<string, Figure>
  ratios: Record<string, { value: number, perRound: number[] }>
}

// Per-request CPU of the gateway against proxies doing the same exchange, every target measured
// once per round and the rounds alternated (A, B, C, A, B, C, …) so that the drift of a shared,
// noisy machine hits them all alike. CPU is the measured process's own, from /proc.
export async function benchCpu (duration: number, rounds = 3): Promise<CpuResult> {
  const procs: Proc[] = []
  const cleanups: Array<() => Promise<void>> = []
  const started = async (p: Promise<Proc>) => { const proc = await p; procs.push(proc); return proc }
  try {
    // 2,000 incidents: the feed gateway's initial load gives more changes than one page of 1,000.
    const sim = await started(startProcess(here('./servers/simulator.ts'), ['cloudlock', '2000']))
    const proxy = await started(startProcess(here('./servers/passthrough-proxy.ts'), [sim.url]))
    // The floor of a gateway that reads the records: fetch, JSON.parse, JSON.stringify of the items.
    const reparse = await started(startProcess(here('./servers/reparse-proxy.ts'), [sim.url]))
    const nginxBin = nginxBinary()
    const nginx = nginxBin ? await started(startNginx(nginxBin, sim.url)) : null
    const gateway = await started(startGateway({ cloudlock: sim.url }))
    // BENCH_BASELINE=<checkout>/src/server.ts: an earlier gateway measured in the same rounds, for
    // before/after figures that the machine's drift cannot bias.
    const baselineServer = process.env.BENCH_BASELINE
    const baseline = baselineServer ? await started(startGateway({ cloudlock: sim.url }, '', { server: baselineServer })) : null
    // The feed gateway syncs the simulator into its embedded store once, then does not poll again
    // during the measurement (the interval is an hour): what is measured is serving the feed.
    // Its store is PostgreSQL (the production choice) when one answers, else the embedded one.
    const db = await benchDatabase('gw_bench')
    if (db) cleanups.push(db.drop)
    const feedGateway = await started(startGateway({ cloudlock: sim.url },
      db ? `store: { database_url: "${db.url}" }` : '', {
        providerExtra: ', sync: { enabled: true, poll_interval_s: 3600 }'
      }))
    // With BENCH_BASELINE, the earlier gateway serves the same feed from a store of its own.
    const baseDb = baseline ? await benchDatabase('gw_bench_base') : null
    if (baseDb) cleanups.push(baseDb.drop)
    const feedBaseline = baseline
      ? await started(startGateway({ cloudlock: sim.url }, baseDb ? `store: { database_url: "${baseDb.url}" }` : '', {
        server: baselineServer, providerExtra: ', sync: { enabled: true, poll_interval_s: 3600 }'
      }))
      : null
    const vendorAuth = { authorization: 'Bearer bench-token' }
    const gwAuth = { authorization: `Bearer ${BENCH_KEY}` }
    const first = await request(`${sim.url}/api/v2/incidents?limit=100`, { headers: vendorAuth })
    const ids = ((await first.body.json()) as { items: Array<{ id: string }> }).items.map((i) => i.id)
    await feedLoaded(feedGateway.url, gwAuth)
    if (feedBaseline) await feedLoaded(feedBaseline.url, gwAuth)

    // The vendor page the gateway's first list call asks for (less its created_before pin).
    const vendorPage = '/api/v2/incidents?order=-created_at&count_total=false&offset=0&limit=100'
    const vendorDetail = ids.map((id) => `/api/v2/incidents/${id}`)
    const targets: Target[] = [
      { name: 'detail.direct', proc: sim, headers: vendorAuth, paths: vendorDetail, units: 1 },
      ...(nginx ? [{ name: 'detail.nginx', proc: nginx, headers: vendorAuth, paths: vendorDetail, units: 1 }] : []),
      { name: 'detail.proxy', proc: proxy, headers: vendorAuth, paths: vendorDetail, units: 1 },
      { name: 'detail.reparse', proc: reparse, headers: vendorAuth, paths: vendorDetail, units: 1 },
      { name: 'detail.gateway', proc: gateway, headers: gwAuth, paths: ids.map((id) => `/v1/incidents/cloudlock:${id}`), units: 1 },
      ...(baseline ? [{ name: 'detail.baseline', proc: baseline, headers: gwAuth, paths: ids.map((id) => `/v1/incidents/cloudlock:${id}`), units: 1 }] : []),
      { name: 'same.proxy', proc: proxy, headers: vendorAuth, paths: [vendorDetail[0]], units: 1 },
      { name: 'same.gateway', proc: gateway, headers: gwAuth, paths: [`/v1/incidents/cloudlock:${ids[0]}`], units: 1 },
      ...(nginx ? [{ name: 'list.nginx', proc: nginx, headers: vendorAuth, paths: [vendorPage], units: 100 }] : []),
      { name: 'list.proxy', proc: proxy, headers: vendorAuth, paths: [vendorPage], units: 100 },
      { name: 'list.reparse', proc: reparse, headers: vendorAuth, paths: [vendorPage], units: 100 },
      { name: 'list.gateway', proc: gateway, headers: gwAuth, paths: ['/v1/incidents?provider=cloudlock&limit=100'], units: 100 },
      ...(baseline ? [{ name: 'list.baseline', proc: baseline, headers: gwAuth, paths: ['/v1/incidents?provider=cloudlock&limit=100'], units: 100 }] : []),
      { name: 'feed.gateway', proc: feedGateway, headers: gwAuth, paths: ['/v1/changes?limit=1000'], units: 1000 },
      ...(feedBaseline ? [{ name: 'feed.baseline', proc: feedBaseline, headers: gwAuth, paths: ['/v1/changes?limit=1000'], units: 1000 }] : [])
    ]
    for (const t of targets) await load(t.proc.url, { duration: 2, headers: t.headers, paths: t.paths }) // warm-up

    type Run = { requests: number, cpu: number, main: number, rps: number, p50: number, non2xx: number, errors: number }
    const raw: Record<string, Run[]> = {}
    for (let round = 0; round < rounds; round++) {
      for (const t of targets) {
        const before = cpuSeconds(t.proc.pid)
        const mainBefore = mainThreadCpuSeconds(t.proc.pid)
        const r = await load(t.proc.url, { duration, headers: t.headers, paths: t.paths })
        const cpu = cpuSeconds(t.proc.pid) - before
        const main = mainThreadCpuSeconds(t.proc.pid) - mainBefore
        ;(raw[t.name] ??= []).push({ requests: r.requests, cpu, main, rps: r.rps, p50: r.p50, non2xx: r.non2xx, errors: r.errors })
      }
    }
    const figures: Record<string, Figure> = {}
    for (const t of targets) {
      const runs = raw[t.name]
      const requests = runs.reduce((s, r) => s + r.requests, 0)
      const cpu = runs.reduce((s, r) => s + r.cpu, 0)
      figures[t.name] = {
        requests,
        cpuSeconds: cpu,
        rps: runs.reduce((s, r) => s + r.rps, 0) / runs.length,
        p50: runs.map((r) => r.p50).sort((a, b) => a - b)[Math.floor(runs.length / 2)],
        cpuUsPerRequest: (cpu / requests) * 1e6,
        cpuUsPerUnit: (cpu / requests / t.units) * 1e6,
        mainThreadShare: runs.reduce((s, r) => s + r.main, 0) / cpu,
        perRound: runs.map((r) => ({ rps: r.rps, cpuUsPerRequest: (r.cpu / r.requests) * 1e6 })),
        non2xx: runs.reduce((s, r) => s + r.non2xx, 0),
        errors: runs.reduce((s, r) => s + r.errors, 0)
      }
    }
    const ratio = (a: string, b: string, of: 'cpuUsPerRequest' | 'rps' | 'cpuUsPerUnit') => {
      const perRound = raw[a].map((ra, i) => {
        const rb = raw[b][i]
        if (of === 'rps') return ra.rps / rb.rps
        const unitsA = targets.find((t) => t.name === a)!.units
        const unitsB = targets.find((t) => t.name === b)!.units
        const per = (r: { cpu: number, requests: number }, units: number) =>
          r.cpu / r.requests / (of === 'cpuUsPerUnit' ? units : 1)
        return per(ra, unitsA) / per(rb, unitsB)
      })
      return { value: figures[a][of] / figures[b][of], perRound }
    }
    const ratios: CpuResult['ratios'] = {
      'detail.cpu': ratio('detail.gateway', 'detail.proxy', 'cpuUsPerRequest'),
      'detail.rps': ratio('detail.gateway', 'detail.proxy', 'rps'),
      'same.cpu': ratio('same.gateway', 'same.proxy', 'cpuUsPerRequest'),
      'same.rps': ratio('same.gateway', 'same.proxy', 'rps'),
      'list.cpu': ratio('list.gateway', 'list.proxy', 'cpuUsPerRequest'),
      'detail.reparse.cpu': ratio('detail.gateway', 'detail.reparse', 'cpuUsPerRequest'),
      'detail.reparse_vs_proxy.cpu': ratio('detail.reparse', 'detail.proxy', 'cpuUsPerRequest'),
      // Information, not a target: how far the gateway is from parsing and re-serializing the page.
      'list.reparse.cpu': ratio('list.gateway', 'list.reparse', 'cpuUsPerRequest'),
      'list.reparse_vs_proxy.cpu': ratio('list.reparse', 'list.proxy', 'cpuUsPerRequest'),
      'feed.cpuPerUnit': ratio('feed.gateway', 'list.gateway', 'cpuUsPerUnit'),
      ...(baseline
        ? {
            'detail.baseline.cpu': ratio('detail.baseline', 'detail.proxy', 'cpuUsPerRequest'),
            'detail.baseline.rps': ratio('detail.baseline', 'detail.proxy', 'rps'),
            'detail.after_vs_before.cpu': ratio('detail.gateway', 'detail.baseline', 'cpuUsPerRequest'),
            'list.baseline.cpu': ratio('list.baseline', 'list.proxy', 'cpuUsPerRequest'),
            'list.baseline.reparse.cpu': ratio('list.baseline', 'list.reparse', 'cpuUsPerRequest'),
            'list.after_vs_before.cpu': ratio('list.gateway', 'list.baseline', 'cpuUsPerRequest'),
            'feed.baseline.cpuPerUnit': ratio('feed.baseline', 'list.gateway', 'cpuUsPerUnit'),
            'feed.after_vs_before.cpuPerUnit': ratio('feed.gateway', 'feed.baseline', 'cpuUsPerUnit')
          }
        : {}),
      ...(nginx
        ? {
            'detail.proxy_vs_nginx.cpu': ratio('detail.proxy', 'detail.nginx', 'cpuUsPerRequest'),
            'detail.gateway_vs_nginx.cpu': ratio('detail.gateway', 'detail.nginx', 'cpuUsPerRequest'),
            'list.gateway_vs_nginx.cpu': ratio('list.gateway', 'list.nginx', 'cpuUsPerRequest')
          }
        : {})
    }
    return { rounds, nginx: nginx !== null, feedStore: db ? 'postgresql' : 'embedded', figures, ratios }
  } finally {
    for (const p of procs.reverse()) await p.stop()
    for (const c of cleanups) await c()
  }
}

// Waits until the feed gateway's initial load has put at least 1,000 changes in its feed.
export async function feedLoaded (url: string, headers: Record<string, string>): Promise<void> {
  const until = Date.now() + 120_000
  for (;;) {
    const res = await request(`${url}/v1/changes?limit=1000`, { headers })
    const body = await res.body.json() as { data?: unknown[] }
    if (res.statusCode === 200 && body.data?.length === 1000) return
    if (Date.now() > until) throw new Error(`the feed did not fill: ${res.statusCode} ${JSON.stringify(body).slice(0, 300)}`)
    await new Promise((resolve) => setTimeout(resolve, 500))
  }
}
