import { fileURLToPath } from 'node:url'
import { request } from 'undici'
import { BENCH_KEY, startGateway } from './lib/gateway.ts'
import { START_ENV, START_FLAGS } from './lib/start-flags.ts'
import { rssMb, startProcess } from './lib/processes.ts'

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url))

export interface WalkResult {
  perProvider: number
  returned: number
  pages: number
  upstreamCalls: number
  minimumCalls: number
  callRatio: number // target <= 1.05
  itemsFetched: number
  fetchRatio: number // items fetched upstream / items returned
  seconds: number
  rssBeforeMb: number
  rssAfterFirstMb: number
  rssAfterMb: number
}

async function vendorCalls (url: string): Promise<Array<{ path: string, query: Record<string, string> }>> {
  const res = await request(`${url}/__sim/requests`)
  const body = await res.body.json() as { requests: Array<{ path: string, query: Record<string, string> }> }
  return body.requests.filter((r) => !r.path.endsWith('/token'))
}

// A full cursor walk over both providers: upstream calls against the minimum possible (every
// vendor page full at the vendor's maximum size), items fetched against items returned, memory.
export async function benchWalk (perProvider: number): Promise<WalkResult> {
  const zwa = await startProcess(here('./servers/simulator.ts'), ['zwa', String(perProvider)])
  const cloudlock = await startProcess(here('./servers/simulator.ts'), ['cloudlock', String(perProvider)])
  // The shipped start command's node flags and malloc settings (the Dockerfile's, bench/lib/start-flags.ts):
  // the memory target is about what an operator runs. GW_NODE_OPTIONS still adds to them.
  const gateway = await startGateway({ zwa: zwa.url, cloudlock: cloudlock.url }, '', { nodeFlags: START_FLAGS, env: START_ENV })
  try {
    const headers = { authorization: `Bearer ${BENCH_KEY}` }
    const rssBeforeMb = rssMb(gateway.pid)
    const started = performance.now()
    let cursor: string | null = null
    let returned = 0
    let pages = 0
    const seen = new Set<string>()
    do {
      const res = await request(`${gateway.url}/v1/incidents?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { headers })
      const body = await res.body.json() as { data: Array<{ id: string }>, next_cursor: string | null }
      if (res.statusCode !== 200) throw new Error(`walk failed: ${JSON.stringify(body)}`)
      for (const i of body.data) seen.add(i.id)
      returned += body.data.length
      pages++
      cursor = body.next_cursor
    } while (cursor)
    const seconds = (performance.now() - started) / 1000
    const rssAfterFirstMb = rssMb(gateway.pid)
    const calls = [...await vendorCalls(zwa.url), ...await vendorCalls(cloudlock.url)]
    // A second walk shows whether memory keeps growing (a leak) or was the heap sizing itself once.
    cursor = null
    do {
      const again: Awaited<ReturnType<typeof request>> = await request(`${gateway.url}/v1/incidents?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { headers })
      cursor = ((await again.body.json()) as { next_cursor: string | null }).next_cursor
    } while (cursor)
    if (seen.size !== returned || returned !== perProvider * 2) throw new Error(`walk returned ${returned} items, ${seen.size} distinct, expected ${perProvider * 2}`)
    const itemsFetched = calls.reduce((sum, c) => sum + Number(c.query.pageSize ?? c.query.limit ?? 0), 0)
    const minimumCalls = 2 * Math.ceil(perProvider / 100)
    return {
      perProvider,
      returned,
      pages,
      upstreamCalls: calls.length,
      minimumCalls,
      callRatio: calls.length / minimumCalls,
      itemsFetched,
      fetchRatio: itemsFetched / returned,
      seconds,
      rssBeforeMb,
      rssAfterFirstMb,
      rssAfterMb: rssMb(gateway.pid)
    }
  } finally {
    await gateway.stop()
    await zwa.stop()
    await cloudlock.stop()
  }
}
