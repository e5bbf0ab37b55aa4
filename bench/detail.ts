import { fileURLToPath } from 'node:url'
import { request } from 'undici'
import { BENCH_KEY, startGateway } from './lib/gateway.ts'
import { load, type LoadResult } from './lib/load.ts'
import { cpuSeconds, startProcess } from './lib/processes.ts'

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url))

type Measured = LoadResult & { cpuPer10k: number }
export interface DetailRun {
  direct: Measured
  proxy: Measured
  gateway: Measured
  cpuRatio: number // gateway CPU per request / proxy CPU per request (target <= 1.5)
  rpsRatio: number // gateway req/s / proxy req/s (target >= 0.7)
}
export interface DetailResult {
  distinct: DetailRun // 100 different incidents in turn: every request reaches the vendor
  same: DetailRun // one incident: identical concurrent reads may share one upstream call
}

// Detail GET three ways against one Cloudlock simulator: direct, bare proxy, gateway.
export async function benchDetail (duration: number, gatewayYaml = ''): Promise<DetailResult> {
  const sim = await startProcess(here('./servers/simulator.ts'), ['cloudlock', '500'])
  const proxy = await startProcess(here('./servers/passthrough-proxy.ts'), [sim.url])
  const gateway = await startGateway({ cloudlock: sim.url }, gatewayYaml)
  try {
    const first = await request(`${sim.url}/api/v2/incidents?limit=100`, { headers: { authorization: 'Bearer bench-token' } })
    const ids = ((await first.body.json()) as { items: Array<{ id: string }> }).items.map((i) => i.id)
    const vendorAuth = { authorization: 'Bearer bench-token' }
    const run = async (chosen: string[]): Promise<DetailRun> => {
      const targets = [
        { name: 'direct' as const, base: sim.url, path: (id: string) => `/api/v2/incidents/${id}`, pid: sim.pid, headers: vendorAuth },
        { name: 'proxy' as const, base: proxy.url, path: (id: string) => `/api/v2/incidents/${id}`, pid: proxy.pid, headers: vendorAuth },
        { name: 'gateway' as const, base: gateway.url, path: (id: string) => `/v1/incidents/cloudlock:${id}`, pid: gateway.pid, headers: { authorization: `Bearer ${BENCH_KEY}` } }
      ]
      const out: Partial<DetailRun> = {}
      for (const target of targets) {
        const paths = chosen.map(target.path)
        await load(target.base, { duration: 2, headers: target.headers, paths }) // warm-up (JIT, connection pools)
        const before = cpuSeconds(target.pid)
        const result = await load(target.base, { duration, headers: target.headers, paths })
        const cpu = cpuSeconds(target.pid) - before
        out[target.name] = { ...result, cpuPer10k: (cpu / result.requests) * 10_000 }
      }
      const r = out as DetailRun
      r.cpuRatio = r.gateway.cpuPer10k / r.proxy.cpuPer10k
      r.rpsRatio = r.gateway.rps / r.proxy.rps
      return r
    }
    return { distinct: await run(ids), same: await run([ids[0]]) }
  } finally {
    await gateway.stop()
    await proxy.stop()
    await sim.stop()
  }
}
