import Fastify from 'fastify'
import { Webhook } from 'standardwebhooks'

// The soak's webhook receiver: a Fastify app on loopback that verifies every delivery with the
// Standard Webhooks library against the raw body (as docs/webhooks.md tells receivers to), answers a
// share of them 500 (or drops the connection) to exercise retries, and checks what the gateway
// promises: every change at least once, per incident never an earlier change after a later one.
export interface HookStats {
  attempts: number
  accepted: number // verified and processed (answered 2xx, or the connection dropped after)
  injectedFailures: number
  badSignatures: number
  duplicates: number // accepted again after an earlier 2xx (at least once, so allowed; counted)
  orderViolations: number // an earlier change of an incident accepted after a later one, not a duplicate
  delivered: Set<number> // seqs accepted
}

export async function startReceiver () {
  const hooks = new Map<string, { verifier: Webhook, failureRate: number, stats: HookStats, last: Map<string, number> }>()
  const app = Fastify({ bodyLimit: 10 * 1024 * 1024 })
  // The signature is over the exact bytes: keep the body as text.
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => done(null, body))
  app.post('/hook/:name', async (req, reply) => {
    const hook = hooks.get((req.params as { name: string }).name)
    if (!hook) return reply.code(404).send()
    const { stats } = hook
    stats.attempts++
    // A failure is a 500, or (one in four) the connection dropped after the delivery was processed:
    // the sender cannot tell, sends it again, and the receiver sees a duplicate (at least once).
    const fail = Math.random() < hook.failureRate
    const drop = fail && Math.random() < 0.25
    if (fail && !drop) {
      stats.injectedFailures++
      return reply.code(500).send('injected')
    }
    let event: { data: { seq: number, incident_id: string } }
    try {
      event = hook.verifier.verify(req.body as string, req.headers as Record<string, string>) as typeof event
    } catch {
      stats.badSignatures++
      return reply.code(400).send('bad signature')
    }
    const { seq, incident_id: incident } = event.data
    stats.accepted++
    if (stats.delivered.has(seq)) stats.duplicates++
    else if ((hook.last.get(incident) ?? 0) > seq) stats.orderViolations++
    stats.delivered.add(seq)
    hook.last.set(incident, Math.max(seq, hook.last.get(incident) ?? 0))
    if (drop) {
      stats.injectedFailures++
      reply.hijack()
      req.raw.socket.destroy()
      return
    }
    return reply.code(204).send()
  })
  const url = await app.listen({ host: '127.0.0.1', port: 0 })
  return {
    url: (name: string) => `${url}/hook/${name}`,
    add (name: string, secret: string, failureRate: number): HookStats {
      const stats: HookStats = { attempts: 0, accepted: 0, injectedFailures: 0, badSignatures: 0, duplicates: 0, orderViolations: 0, delivered: new Set() }
      hooks.set(name, { verifier: new Webhook(secret), failureRate, stats, last: new Map() })
      return stats
    },
    // The end of the soak: no more injected failures, so every queue can drain.
    heal () { for (const hook of hooks.values()) hook.failureRate = 0 },
    close: () => app.close()
  }
}
