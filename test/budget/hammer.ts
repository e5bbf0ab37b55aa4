// One "replica" for multi-process.test.ts: several workers reserve slots of one class of a shared
// budget as fast as it allows, hold each for a simulated request of up to 30 ms, and report the
// time each request was sent (after its grant) and completed (before its done) as JSON on stdout.
import { createRateBudget } from '../../src/upstream/budget/budget-factory.ts'
import type { BudgetMode } from '../../src/upstream/budget/budget.ts'
import { connected, sleep } from './redis.ts'

const { url, prefix, cls, windows, startAt, durationMs, workers, shared } = JSON.parse(process.argv[2])
const redis = shared ? await connected(url) : undefined // unshared: the control, a budget per process
const errors: string[] = []
const modes: BudgetMode[] = []
const budget = createRateBudget({
  providerId: 'zwa',
  windowsByClass: { [cls]: windows },
  redis,
  fallbackShare: 0.25,
  keyPrefix: prefix,
  onStoreError: (err, op) => errors.push(`${op}: ${(err as Error).message}`),
  onModeChange: (mode) => modes.push(mode)
})
const requests: Array<[number, number]> = []
const end = startAt + durationMs
await sleep(Math.max(0, startAt - Date.now()))

async function worker (): Promise<void> {
  while (Date.now() < end) {
    const r = await budget.reserve(cls)
    if ('slot' in r) {
      const sent = Date.now()
      await sleep(Math.random() * 30)
      requests.push([sent, Date.now()])
      budget.done(r.slot)
    } else {
      await sleep(Math.min(r.waitMs, end - Date.now()) + Math.random() * 5)
    }
  }
}

await Promise.all(Array.from({ length: workers }, worker))
await budget.close()
redis?.disconnect()
process.stdout.write(JSON.stringify({ requests, errors, modes }) + '\n')
