import { fileURLToPath } from 'node:url'
import { request } from 'undici'
import { BENCH_KEY, startGateway } from './lib/gateway.ts'
import { load, type LoadResult } from './lib/load.ts'
import { startProcess } from './lib/processes.ts'

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url))

export interface MergedResult {
  merged: LoadResult
  cloudlockOnly: LoadResult
  zwaOnly: LoadResult
  p50RatioVsSlowest: number // merged p50 / the slower single-provider p50 (target <= 1.1)
  p50RatioVsFastest: number // merged p50 / the faster single-provider p50 (for context)
}

// A merged two-provider list against a single-provider list, both vendors answering in 50 ms:
// the fan-out is parallel, so merging should cost little more than one provider.
export async function benchMergedList (duration: number, rounds = 3): Promise<MergedResult> {
  const zwa = await startProcess(here('./servers/simulator.ts'), ['zwa', '500'])
  const cloudlock = await startProcess(here('./servers/simulator.ts'), ['cloudlock', '500'])
  const gateway = await startGateway({ zwa: zwa.url, cloudlock: cloudlock.url })
  try {
    for (const sim of [zwa, cloudlock]) {
      const res = await request(`${sim.url}/__sim/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ latency_ms: 50 }) })
      if (res.statusCode !== 201) throw new Error(`could not inject latency: ${await res.body.text()}`)
      await res.body.dump()
    }
    const headers = { authorization: `Bearer ${BENCH_KEY}` }
    // Few connections: this measures latency (is the fan-out parallel?), not saturation.
    const connections = 4
    await load(`${gateway.url}/v1/incidents?limit=25`, { duration: 2, headers, connections })
    // Rounds alternate the three lists so that drift on a shared machine hits them alike; each
    // figure is the run with the median p50 of its rounds.
    const runs: Record<'cloudlockOnly' | 'zwaOnly' | 'merged', LoadResult[]> = { cloudlockOnly: [], zwaOnly: [], merged: [] }
    for (let round = 0; round < rounds; round++) {
      runs.cloudlockOnly.push(await load(`${gateway.url}/v1/incidents?provider=cloudlock&limit=25`, { duration, headers, connections }))
      runs.zwaOnly.push(await load(`${gateway.url}/v1/incidents?provider=zwa&limit=25`, { duration, headers, connections }))
      runs.merged.push(await load(`${gateway.url}/v1/incidents?limit=25`, { duration, headers, connections }))
    }
    const median = (rs: LoadResult[]) => [...rs].sort((a, b) => a.p50 - b.p50)[Math.floor(rs.length / 2)]
    const cloudlockOnly = median(runs.cloudlockOnly)
    const zwaOnly = median(runs.zwaOnly)
    const merged = median(runs.merged)
    const slowest = Math.max(cloudlockOnly.p50, zwaOnly.p50)
    const fastest = Math.min(cloudlockOnly.p50, zwaOnly.p50)
    return { merged, cloudlockOnly, zwaOnly, p50RatioVsSlowest: merged.p50 / slowest, p50RatioVsFastest: merged.p50 / fastest }
  } finally {
    await gateway.stop()
    await zwa.stop()
    await cloudlock.stop()
  }
}
