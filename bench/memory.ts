// `node bench/memory.ts [--rounds 3] [--walk 20000] [--only rest|walk]`: the memory targets of issue 20, with the node
// flags of the shipped start command (the Dockerfile's CMD, bench/lib/start-flags.ts):
// - RSS at rest of the gateway (production configuration: no demo, no OTEL_*, no sync, two
//   providers) against a bare Fastify app started the same way; the two alternate so drift hits
//   them alike. Target: gateway / bare <= 1.5.
// - RSS growth over a full cursor walk of 2 x --walk incidents, measured after the walk. Target < 50 MB.
// BENCH_BASELINE=<checkout>/src/server.ts adds an earlier gateway to the same at-rest rounds (A/B).
// Also `npm run bench -- --only memory` (bench/run.ts); never part of `npm test`.
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { request } from 'undici'
import { BENCH_KEY, startGateway } from './lib/gateway.ts'
import { cpuSeconds, rssMb, startProcess, type Proc } from './lib/processes.ts'
import { START_ENV, START_FLAGS } from './lib/start-flags.ts'

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url))
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const round = (x: number) => Math.round(x * 10) / 10

// RSS after the process has answered one health check and idled, as an orchestrator sees it.
async function atRest (proc: Proc): Promise<number> {
  await (await request(`${proc.url}/healthz`)).body.dump()
  await new Promise((resolve) => setTimeout(resolve, 3000))
  return rssMb(proc.pid)
}

async function rest (rounds: number, sims: { zwa: string, cloudlock: string }) {
  const baseline = process.env.BENCH_BASELINE
  const bare: number[] = []
  const gateway: number[] = []
  const before: number[] = []
  for (let i = 0; i < rounds; i++) {
    const b = await startProcess(here('./servers/bare-fastify.ts'), [], { PORT: '0', ...START_ENV }, START_FLAGS)
    bare.push(round(await atRest(b)))
    await b.stop()
    if (baseline) {
      const g0 = await startGateway(sims, '', { nodeFlags: START_FLAGS, env: START_ENV, server: baseline })
      before.push(round(await atRest(g0)))
      await g0.stop()
    }
    const g = await startGateway(sims, '', { nodeFlags: START_FLAGS, env: START_ENV })
    gateway.push(round(await atRest(g)))
    await g.stop()
  }
  const ratio = (xs: number[]) => Math.round(median(xs) / median(bare) * 100) / 100
  return {
    bareMb: bare,
    gatewayMb: gateway,
    ratio: ratio(gateway),
    perRound: gateway.map((g, i) => Math.round(g / bare[i] * 100) / 100),
    ...(baseline ? { baselineMb: before, baselineRatio: ratio(before) } : {})
  }
}

async function walk (sims: { zwa: string, cloudlock: string }) {
  const g = await startGateway(sims, '', { nodeFlags: START_FLAGS, env: START_ENV })
  try {
    const before = await atRest(g)
    const cpuBefore = cpuSeconds(g.pid)
    let cursor: string | null = null
    let returned = 0
    do {
      const query = `limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`
      const res = await request(`${g.url}/v1/incidents?${query}`, { headers: { authorization: `Bearer ${BENCH_KEY}` } })
      const body = await res.body.json() as { data: unknown[], next_cursor: string | null }
      if (res.statusCode !== 200) throw new Error(`walk failed: ${JSON.stringify(body).slice(0, 300)}`)
      returned += body.data.length
      cursor = body.next_cursor
    } while (cursor)
    const after = rssMb(g.pid)
    return { returned, rssBeforeMb: round(before), rssAfterMb: round(after), growthMb: round(after - before), cpuS: round(cpuSeconds(g.pid) - cpuBefore) }
  } finally {
    await g.stop()
  }
}

export interface MemoryResult {
  flags: string[]
  env: Record<string, string>
  node: string
  rest?: Awaited<ReturnType<typeof rest>>
  walk?: Awaited<ReturnType<typeof walk>>
}

// Both parts against two simulators of `perProvider` incidents each; `only` picks one.
export async function benchMemory (rounds: number, perProvider: string, only?: 'rest' | 'walk'): Promise<MemoryResult> {
  const zwa = await startProcess(here('./servers/simulator.ts'), ['zwa', perProvider])
  const cloudlock = await startProcess(here('./servers/simulator.ts'), ['cloudlock', perProvider])
  try {
    const sims = { zwa: zwa.url, cloudlock: cloudlock.url }
    return {
      flags: START_FLAGS,
      env: START_ENV,
      node: process.version,
      rest: only === 'walk' ? undefined : await rest(rounds, sims),
      walk: only === 'rest' ? undefined : await walk(sims)
    }
  } finally {
    await zwa.stop()
    await cloudlock.stop()
  }
}

export const memoryVerdicts = (r: MemoryResult): string[] => [
  ...(r.rest ? [`${r.rest.ratio <= 1.5 ? 'PASS' : 'MISS'} RSS at rest, gateway / bare <= 1.5: ${r.rest.ratio} (rounds ${r.rest.perRound.join(', ')})`] : []),
  ...(r.walk ? [`${r.walk.growthMb < 50 ? 'PASS' : 'MISS'} RSS growth over a ${r.walk.returned}-incident walk < 50 MB: ${r.walk.growthMb} MB`] : [])
]

// Run directly (not imported by bench/run.ts): print the result and the verdicts.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: '3' }, walk: { type: 'string', default: '20000' }, only: { type: 'string' }
    }
  })
  const r = await benchMemory(Number(values.rounds), values.walk, values.only as 'rest' | 'walk' | undefined)
  process.stdout.write(`${JSON.stringify(r, null, 2)}\n${memoryVerdicts(r).join('\n')}\n`)
}
