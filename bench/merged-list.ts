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
export async function benchMergedList (duration: number): Promise<MergedResult> {
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
    const cloudlockOnly = await load(`${gateway.url}/v1/incidents?provider=cloudlock&limit=25`, { duration, headers, connections })
    const zwaOnly = await load(`${gateway.url}/v1/incidents?provider=zwa&limit=25`, { duration, headers, connections })
    const merged = await load(`${gateway.url}/v1/incidents?limit=25`, { duration, headers, connections })
    const slowest = Math.max(cloudlockOnly.p50, zwaOnly.p50)
    const fastest = Math.min(cloudlockOnly.p50, zwaOnly.p50)
    return { merged, cloudlockOnly, zwaOnly, p50RatioVsSlowest: merged.p50 / slowest, p50RatioVsFastest: merged.p50 / fastest }
  } finally {
    await gateway.stop()
    await zwa.stop()
    await cloudlock.stop()
  }
}
