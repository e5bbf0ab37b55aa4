import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { SyncCostOptions } from './lib/sync-cost-worker.ts'

// What sync costs (issue 17): vendor calls per hour of the real sync code against the real
// simulators, over virtual time, against (1) a SOAR polling `updated_after` every minute through the
// gateway and (2) the minimum the detection strategy needs; change-to-feed latency; serving the feed.
// The work runs in bench/lib/sync-cost-worker.ts, a process of its own, because its clock replaces
// Date for the whole process.
export const SYNC_COST_DEFAULTS: SyncCostOptions = {
  incidents: 50_000,
  openShare: 0.01,
  changesPerHour: 100,
  hours: 1,
  pollIntervalS: 60,
  lookbackS: 300,
  recheckS: 300,
  reconcileH: 24,
  passThroughMinutes: 2
}

export type SyncCostResult = Awaited<ReturnType<typeof import('./lib/sync-cost-worker.ts').runSyncCost>>

export async function benchSyncCost (options: Partial<SyncCostOptions> = {}): Promise<SyncCostResult> {
  const worker = fileURLToPath(new URL('./lib/sync-cost-worker.ts', import.meta.url))
  const child = spawn(process.execPath, [worker, JSON.stringify({ ...SYNC_COST_DEFAULTS, ...options })], {
    stdio: ['ignore', 'pipe', 'inherit']
  })
  let out = ''
  child.stdout.on('data', (d) => { out += d })
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve))
  if (code !== 0) throw new Error(`sync-cost worker exited with ${code}`)
  return JSON.parse(out.trim().split('\n').at(-1)!) as SyncCostResult
}

// `node bench/sync-cost.ts [incidents]`: this bench alone.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const incidents = process.argv[2] ? Number(process.argv[2]) : undefined
  const result = await benchSyncCost(incidents ? { incidents } : {})
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`)
}
