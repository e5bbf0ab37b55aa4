import { fileURLToPath } from 'node:url'
import { request } from 'undici'
import { BENCH_KEY, startGateway } from './lib/gateway.ts'
import { load, type LoadResult } from './lib/load.ts'
import { startProcess } from './lib/processes.ts'

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url))

export interface MergedResult {
  merged: LoadResult
  single: LoadResult
  p50Ratio: number // merged p50 / single-provider p50 (target <= 1.1)
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
    await load(`${gateway.url}/v1/incidents?limit=25`, { duration: 2, headers, connections: 8 })
    const single = await load(`${gateway.url}/v1/incidents?provider=cloudlock&limit=25`, { duration, headers, connections: 8 })
    const merged = await load(`${gateway.url}/v1/incidents?limit=25`, { duration, headers, connections: 8 })
    return { merged, single, p50Ratio: merged.p50 / single.p50 }
  } finally {
    await gateway.stop()
    await zwa.stop()
    await cloudlock.stop()
  }
}
