import fc from 'fast-check'
import t from 'tap'
import type { ProviderAdapter } from '../../src/adapters/types.ts'
import { GatewayError } from '../../src/errors/gateway-error.ts'
import { JobRunner } from '../../src/jobs/job-runner.ts'
import { JobStore } from '../../src/jobs/job-store.ts'
import type { IncidentT } from '../../src/schemas/incident.ts'
import { IncidentService } from '../../src/services/incident-service.ts'
import type { Principal } from '../../src/services/principal.ts'
import { freshDatabase } from '../helpers/databases.ts'
import { incident } from '../helpers/incidents.ts'

// "Never a duplicate write" (spec sections 6 and 11) for batch jobs, against adversarial vendors and
// replicas: every vendor write may answer, lose its answer after or before taking effect, be refused
// for now, or never return because its replica died (its lease then expires and another runner
// resumes the job while the dead one may still wake up); every read-back may fail, and the write
// lock may be busy (a dead replica holds it until its TTL). Whatever the
// schedule, each note item is at the vendor at most once, exactly once when the job says succeeded,
// and not at all when it says failed. The runner and store are the real ones on the embedded store;
// the vendor is a model. Without "attempting before send" (beforeSend a no-op), or with a blind
// re-send on resume (`prior` always undefined), this fails at once: [[0], ["crash_applied"], []]
// writes item 0 twice (both mutations checked by hand when the test was written).

type Write = 'ok' | 'lost_applied' | 'lost_not_applied' | 'refused_transient' | 'crash_applied' | 'crash_not_applied'
type Read = 'ok' | 'fail'

const principal: Principal = { name: 'soar', scopes: new Set(['incidents:read', 'incidents:write']), providers: null }

function vendor (writes: Write[], reads: Read[], onHang: (release: () => void) => void) {
  const notes = new Map<string, string[]>() // native id -> note texts, in order
  const state = (id: string): IncidentT => incident({
    native_id: id,
    notes: (notes.get(id) ?? []).map((text) => ({ text, created_at: null, author: null })),
    updated_at: `2026-01-01T00:00:00.${String((notes.get(id) ?? []).length).padStart(3, '0')}Z`
  }, 'v')
  const adapter = {
    id: 'v',
    type: 'zwa',
    capabilities: new Set(['get', 'notes']),
    isValidNativeId: () => true,
    async get (id: string) {
      if ((reads.shift() ?? 'ok') === 'fail') throw new GatewayError('upstream_timeout', 'read timed out')
      return state(id)
    },
    async addNote (id: string, text: string) {
      const what = writes.shift() ?? 'ok'
      const apply = () => notes.set(id, [...(notes.get(id) ?? []), text])
      if (what === 'ok' || what === 'lost_applied' || what === 'crash_applied') apply()
      if (what === 'ok') return state(id)
      if (what === 'refused_transient') throw new GatewayError('upstream_rate_limited', 'slow down', { retryAfter: 0 })
      if (what === 'crash_applied' || what === 'crash_not_applied') {
        // The replica dies here: this call never returns until the test wakes the zombie up.
        return new Promise<IncidentT>((_resolve, reject) => onHang(() => reject(new Error('woke up'))))
      }
      throw new Error('socket hang up') // an answer lost: the write may or may not have taken effect
    }
  } as unknown as ProviderAdapter
  return { adapter, notes }
}

t.test('batch jobs never write an item twice, whatever answers are lost and replicas die', async (t) => {
  const { db } = await freshDatabase(t, 'embedded')
  const store = new JobStore(db)
  const silent = process.env.DEBUG_JOBS ? { info: console.log, warn: console.log, error: console.log } : { info () {}, warn () {}, error () {} }
  let runs = 0
  await fc.assert(fc.asyncProperty(
    fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 1, maxLength: 6 }), // item -> incident
    fc.array(fc.constantFrom<Write>('ok', 'ok', 'lost_applied', 'lost_not_applied', 'refused_transient',
      'crash_applied', 'crash_not_applied'), { maxLength: 12 }),
    fc.array(fc.constantFrom<Read>('ok', 'ok', 'fail'), { maxLength: 12 }),
    fc.array(fc.boolean(), { maxLength: 12 }), // the incident's write lock is busy (a dead replica holds it)
    async (targets, writes, reads, busy) => {
      runs++
      const hung: Array<() => void> = []
      let hangSignal: () => void = () => {}
      const model = vendor([...writes], [...reads], (release) => { hung.push(release); hangSignal() })
      const service = new IncidentService({
        providers: { get: (id) => id === 'v' ? model.adapter : undefined, all: () => [model.adapter] },
        codec: {} as never,
        limits: { default_page_size: 25, request_timeout_ms: 20, upstream_calls_per_request: 10 },
        locks: {
          acquire: async () => {
            if (busy.shift() === true) throw new GatewayError('service_unavailable', 'lock busy', { retryAfter: 1 })
            return { release: async () => {} }
          }
        } as never
      })
      const items = targets.map((target, i) => ({ id: `v:inc${target}`, action: 'note' as const, body: { text: `item-${i}` } }))
      const jobId = await store.create('soar', items)
      const zombies: Array<Promise<boolean>> = []
      let n = 0
      const runner = () => new JobRunner({
        store,
        service,
        principal: () => principal,
        log: silent,
        owner: `r${runs}-${n++}`,
        leaseMs: 60_000,
        itemTimeoutMs: 5_000,
        passBackoffMs: 1,
        maxAttempts: 50
      })
      for (let round = 0; round < 40; round++) {
        const hang = new Promise<'hang'>((resolve) => { hangSignal = () => resolve('hang') })
        const run = runner().runOnce()
        const event = await Promise.race([run.then(() => 'ran' as const), hang])
        if (event === 'ran') {
          const done = await db.query('SELECT 1 FROM batch_jobs WHERE id = $1 AND state = \'done\'', [jobId])
          if (done.length > 0) break
          continue
        }
        // The replica died mid-write: its lease runs out, another replica takes the job over. The
        // dead one wakes up while the next one works (a paused process resuming).
        zombies.push(run)
        await db.query('UPDATE batch_jobs SET lease_until = now() - interval \'1 second\' WHERE id = $1', [jobId])
        const wake = hung.shift()!
        setTimeout(wake, 1)
      }
      for (const release of hung) release()
      await Promise.all(zombies)
      const job = await store.read(jobId, 'soar')
      if (job?.state !== 'done') throw new Error(`job not done: ${JSON.stringify(job?.progress)}`)
      for (const [i, item] of items.entries()) {
        const at = (model.notes.get(item.id.slice(2)) ?? []).filter((text) => text === item.body.text).length
        const result = job.results.find((r) => r.index === i)!
        if (at > 1) throw new Error(`item ${i} written ${at} times`)
        if (result.status === 'succeeded' && at !== 1) throw new Error(`item ${i} succeeded but is not at the vendor`)
        if (result.status === 'failed' && at !== 0) throw new Error(`item ${i} failed but is at the vendor`)
      }
    }
  ), { numRuns: 60, seed: Number(process.env.FC_SEED ?? 19) })
  t.pass(`${runs} schedules`)
})
