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
