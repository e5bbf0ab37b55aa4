import type { Arrival } from './harness.ts'

// The delivery guarantees of docs/webhooks.md, checked on what a receiver recorded.

const ok = (a: Arrival) => a.status >= 200 && a.status < 300

// Every expected seq arrived with a 2xx at least once.
export function missing (arrivals: Arrival[], seqs: number[]): number[] {
  const delivered = new Set(arrivals.filter(ok).map((a) => a.body.data.seq))
  return seqs.filter((s) => !delivered.has(s))
}

// A message arrives again only after an attempt that did not succeed (failed, timed out, or an
// unknown outcome the test marks by a non-2xx status): no duplicate follows a 2xx.
export function duplicatesAfterSuccess (arrivals: Arrival[]): string[] {
  const succeeded = new Set<string>()
  const bad: string[] = []
  for (const a of arrivals) {
    if (succeeded.has(a.id)) bad.push(a.id)
    if (ok(a)) succeeded.add(a.id)
  }
  return bad
}

// Per incident, a change is never sent before every earlier change of that incident (among
// `expected`, the seqs of each incident the webhook wants) arrived with a 2xx.
export function orderViolations (arrivals: Arrival[], expected: Map<string, number[]>): string[] {
  const bad: string[] = []
  arrivals.forEach((a, i) => {
    const incident = a.body.data.incident_id as string
    const seq = a.body.data.seq as number
    for (const s of (expected.get(incident) ?? []).filter((x) => x < seq)) {
      if (!arrivals.slice(0, i).some((b) => b.body.data.seq === s && ok(b))) {
        bad.push(`${incident}: seq ${seq} was sent before seq ${s} was delivered`)
      }
    }
  })
  return bad
}

export type AttemptRow = { message_id: string, attempt: number, outcome: string }

// From the gateway's own attempt log: no attempt of a message follows one the gateway saw succeed,
// and the receiver never got a message more often than the gateway attempted it. (A receiver that
// answered 2xx too late for the gateway's deadline is an unknown outcome: a retry is then correct.)
export function attemptsAfterDelivered (log: AttemptRow[], arrivals: Arrival[]): string[] {
  const bad: string[] = []
  const byMessage = new Map<string, AttemptRow[]>()
  for (const r of log) byMessage.set(r.message_id, [...(byMessage.get(r.message_id) ?? []), r])
  for (const [id, rows] of byMessage) {
    rows.sort((a, b) => a.attempt - b.attempt)
    const first = rows.findIndex((r) => r.outcome === 'delivered')
    if (first >= 0 && first < rows.length - 1) bad.push(`${id} was attempted again after it was delivered`)
  }
  const counts = new Map<string, number>()
  for (const a of arrivals) counts.set(a.id, (counts.get(a.id) ?? 0) + 1)
  for (const [id, n] of counts) {
    const attempted = byMessage.get(id)?.length ?? 0
    if (n > attempted) bad.push(`${id} arrived ${n} times but was attempted ${attempted} times`)
  }
  return bad
}
