// `node bench/rest.ts [--rounds 3]`: RSS at rest of the gateway (production configuration: no demo,
// no OTEL_*, no sync, two providers) against a bare Fastify app, both started the same way
// (same Node, the node flags `npm start` passes). Alternates the two so drift hits them alike.
// Target (issue 20): gateway / bare <= 1.5. Also prints which heavy modules the gateway loaded.
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { request } from 'undici'
import { startGateway } from './lib/gateway.ts'
import { rssMb, startProcess, type Proc } from './lib/processes.ts'
import { START_FLAGS } from './lib/start-flags.ts'

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url))
const { values } = parseArgs({ options: { rounds: { type: 'string', default: '3' }, settle: { type: 'string', default: '3000' } } })

// RSS after the process has answered one health check and idled, as an orchestrator sees it.
async function atRest (proc: Proc): Promise<number> {
  await (await request(`${proc.url}/healthz`)).body.dump()
  await new Promise((resolve) => setTimeout(resolve, Number(values.settle)))
  return rssMb(proc.pid)
}

export async function benchRest (rounds: number) {
  const zwa = await startProcess(here('./servers/simulator.ts'), ['zwa', '100'])
  const cloudlock = await startProcess(here('./servers/simulator.ts'), ['cloudlock', '100'])
  const bare: number[] = []
  const gateway: number[] = []
  try {
    for (let i = 0; i < rounds; i++) {
      const b = await startProcess(here('./servers/bare-fastify.ts'), [], { PORT: '0' }, START_FLAGS)
      bare.push(await atRest(b))
      await b.stop()
      const g = await startGateway({ zwa: zwa.url, cloudlock: cloudlock.url }, '', { nodeFlags: START_FLAGS })
      gateway.push(await atRest(g))
      await g.stop()
    }
  } finally {
    await zwa.stop()
    await cloudlock.stop()
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
  const ratio = median(gateway) / median(bare)
  return { flags: START_FLAGS, bareMb: bare, gatewayMb: gateway, ratio }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await benchRest(Number(values.rounds))
  process.stdout.write(`${JSON.stringify(r, null, 2)}\n${r.ratio <= 1.5 ? 'PASS' : 'MISS'} RSS at rest gateway/bare <= 1.5: ${r.ratio.toFixed(2)}\n`)
}
