import fc from 'fast-check'
import t from 'tap'
import type { Database } from '../../src/store/database.ts'
import { ENGINES, freshDatabase } from '../helpers/databases.ts'
import { attemptsAfterDelivered, missing, orderViolations, type AttemptRow } from './checks.ts'
import { sleep, startGateway, startReceiver, version, type Gateway } from './harness.ts'

// The delivery guarantees under adversarial interleavings (fast-check): changes to a few incidents
// appended in random batches and at random moments while deliveries run, a receiver that fails,
// answers late (after the gateway's deadline: an unknown outcome) in any order fast-check picks, and (on PostgreSQL) three gateways sharing
// the queue, each with its own worker and connection pool. After every run: every change arrived
// with a 2xx, a message was attempted again only after an attempt the gateway did not see succeed
// (and arrived no more often than attempted), and no change of
// an incident was sent before the earlier ones of that incident were delivered.

type Answer = 'ok' | 'fail' | 'slow'

for (const engine of ENGINES) {
  t.test(`${engine}: at least once, ordered per incident, duplicates only after failures`, async (t) => {
    const { db, open } = await freshDatabase(t, engine)
    const replicas = engine === 'postgres' ? 3 : 1
    const gateways: Gateway[] = []
    for (let i = 0; i < replicas; i++) {
      const database: Database = i === 0 ? db : await open()
      gateways.push(await startGateway({ database, webhooksYaml: 'timeout_ms: 1000, per_webhook_concurrency: 3' }))
    }
    t.teardown(async () => { for (const g of gateways) await g.close() })
    const rx = await startReceiver()
    t.teardown(() => rx.close())
    let v = 0
    let run = 0

    await fc.assert(fc.asyncProperty(
      fc.array(fc.record({
        incidents: fc.uniqueArray(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 }),
        pauseMs: fc.integer({ min: 0, max: 60 }),
        via: fc.nat({ max: replicas - 1 })
      }), { minLength: 1, maxLength: 6 }),
      fc.array(fc.constantFrom<Answer>('ok', 'ok', 'fail', 'slow'), { maxLength: 12 }),
      async (batches, answers) => {
        run++
        rx.arrivals.splice(0)
        const script = [...answers]
        rx.respond = () => {
          const a = script.shift() ?? 'ok'
          return a === 'ok' ? { status: 200 } : a === 'fail' ? { status: 500 } : { status: 599, delayMs: 1_200 }
        }
        const created = await gateways[0].call('POST', '/v1/webhooks', {
          url: `${rx.url}/run${run}`, events: ['incident.created', 'incident.updated']
        })
        rx.secrets.splice(0, rx.secrets.length, created.body.secret)
        const start = Number((await db.query<{ s: number }>('SELECT last_seq AS s FROM change_counter'))[0].s)
        for (const b of batches) {
          v++
          await gateways[b.via].record('cl', b.incidents.map((i) => version('cl', `${run}-${i}`, v)))
          if (b.pauseMs) await sleep(b.pauseMs)
        }
        const rows = await db.query<{ seq: number, incident: string }>(
          'SELECT seq, provider || \':\' || native_id AS incident FROM changes WHERE seq > $1 ORDER BY seq', [start])
        const expected = new Map<string, number[]>()
        for (const r of rows) expected.set(r.incident, [...(expected.get(r.incident) ?? []), Number(r.seq)])
        const seqs = rows.map((r) => Number(r.seq))
        await rx.waitFor((a) => missing(a, seqs).length === 0, 30_000)
        await sleep(150) // anything sent twice would arrive now
        const arrivals = rx.arrivals.slice()
        const log = await db.query<AttemptRow>(
          'SELECT message_id, attempt, outcome FROM webhook_attempts WHERE webhook_id = $1', [created.body.id])
        await gateways[0].call('DELETE', `/v1/webhooks/${created.body.id}`)
        const problems = [
          ...missing(arrivals, seqs).map((s) => `seq ${s} never delivered`),
          ...attemptsAfterDelivered(log, arrivals),
          ...orderViolations(arrivals, expected),
          ...arrivals.filter((a) => !a.verified).map((a) => `${a.id} did not verify`)
        ]
        if (problems.length > 0) throw new Error(problems.join('\n'))
      }), { numRuns: engine === 'postgres' ? 12 : 10, endOnFailure: true })
    t.pass('every run kept the guarantees')
  })
}
