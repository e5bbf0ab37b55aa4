import { cloudlockClosedStatus } from '../vendors/cloudlock/adapter.ts'
import { UpstreamFailure } from '../upstream/http/upstream-errors.ts'
import type { CallOptions, CloseRequest, IncidentPatch, ProviderAdapter } from '../adapters/types.ts'
import { GatewayError, isGatewayError } from '../errors/gateway-error.ts'
import { isLocal } from '../upstream/resilience/local-errors.ts'
import type { IncidentT, LabelT } from '../schemas/incident.ts'

// Unknown write outcomes (spec section 6). A vendor write that was sent but whose answer was lost
// (timeout, reset, truncated or unreadable body, a 500/502/504 from the vendor or its proxy) may or may not
// have taken effect. It is never sent again: the incident is read back and the write is judged
// applied (the answer is the incident read back), not applied (an error, safe to repeat) or, when
// the read-back fails too, still unknown (502 write_outcome_unknown, decided by a later repeat).
// Tests: test/resilience/unknown-outcomes.test.ts (every write, both vendors, never a second send),
// test/services/write-outcome.test.ts (the decision itself).

export type WriteIntent =
  | { kind: 'update', patch: IncidentPatch }
  | { kind: 'close', request: CloseRequest }
  | { kind: 'note', text: string }
  | { kind: 'labels', labels: LabelT[] }

// What deciding later needs; kept under the Idempotency-Key while the outcome is unknown.
export interface UnknownOutcome {
  sentAt: number // epoch ms the write was sent
  timedOut: boolean // no answer in time: the vendor may still be working on it
  notesBefore?: number // notes with the written text before the write
}

// Where the write stands; the idempotency layer reads it when the answer goes out.
// maybe_applied: sent (or about to be), outcome not known.
export interface WriteTracker {
  state: 'not_sent' | 'maybe_applied' | 'applied' | 'not_applied'
  outcome?: UnknownOutcome
}

export interface WriteContext {
  opts: CallOptions
  tracker: WriteTracker
  prior?: UnknownOutcome // an earlier request with this key had this unknown outcome: decide, never send
  keyed: boolean // the client sent an Idempotency-Key (how the answer tells it to proceed)
  // A timed-out write may still be running at the vendor: "not there yet" only counts as "not
  // applied" this long after it was sent (test/services/write-outcome.test.ts).
  settleMs: number
  now?: () => number
}

export function newTracker (): WriteTracker {
  return { state: 'not_sent' }
}

export async function performWrite (adapter: ProviderAdapter, nativeId: string, intent: WriteIntent,
  ctx: WriteContext): Promise<IncidentT> {
  const now = ctx.now ?? Date.now
  if (ctx.prior) return decide(adapter, nativeId, intent, ctx.prior, ctx, null)
  const text = appendedNote(intent)
  // A note is judged by how many notes carry its text, so count them before writing.
  const notesBefore = text !== undefined && adapter.capabilities.has('notes')
    ? countNotes(await adapter.get(nativeId, { ...ctx.opts, fresh: true }), text)
    : undefined
  const outcome: UnknownOutcome = { sentAt: now(), timedOut: false, notesBefore }
  ctx.tracker.state = 'maybe_applied'
  ctx.tracker.outcome = outcome
  try {
    const incident = await send(adapter, nativeId, intent, ctx.opts)
    ctx.tracker.state = 'applied'
    return incident
  } catch (err) {
    const lost = lostAnswer(err)
    if (lost === null) {
      ctx.tracker.state = 'not_applied'
      throw err
    }
    outcome.timedOut = lost.timedOut
    return decide(adapter, nativeId, intent, outcome, ctx, err)
  }
}

function send (adapter: ProviderAdapter, nativeId: string, intent: WriteIntent, opts: CallOptions): Promise<IncidentT> {
  switch (intent.kind) {
    case 'update': return adapter.update(nativeId, intent.patch, opts)
    case 'close': return adapter.close(nativeId, intent.request, opts)
    case 'note': return adapter.addNote(nativeId, intent.text, opts)
    case 'labels': return adapter.addLabels(nativeId, intent.labels, opts)
  }
}

// Whether a failed write call may have taken effect: null when it provably did not (refused by
// the gateway, never sent, or a definite vendor answer), else whether the answer timed out.
// Anything unrecognised counts as lost: claiming "not applied" wrongly would write twice
// (test/services/write-outcome.test.ts, "lost answers").
export function lostAnswer (err: unknown): { timedOut: boolean } | null {
  if (isLocal(err)) return null
  if (err instanceof UpstreamFailure) {
    if (err.notSent) return null
    const status = err.upstreamStatus
    if (status === null) return { timedOut: err.code === 'upstream_timeout' || err.aborted }
    if (status === 504) return { timedOut: true }
    // A 500 or 502 may come after the vendor (or a proxy in front of it) already applied the write:
    // read it back rather than release the key. 429, 503 and 4xx are refusals before any effect.
    if (status === 500 || status === 502) return { timedOut: false }
    // A 2xx whose body could not be read: the vendor accepted it.
    return status >= 200 && status < 300 ? { timedOut: false } : null
  }
  // Plain gateway errors come from checks before sending, except an unreadable 2xx answer.
  if (isGatewayError(err) && err.code !== 'upstream_error' && err.code !== 'upstream_timeout') return null
  return { timedOut: false }
}

async function decide (adapter: ProviderAdapter, nativeId: string, intent: WriteIntent, outcome: UnknownOutcome,
  ctx: WriteContext, cause: unknown): Promise<IncidentT> {
  const now = ctx.now ?? Date.now
  ctx.tracker.state = 'maybe_applied'
  ctx.tracker.outcome = outcome
  let after: IncidentT
  try {
    after = await adapter.get(nativeId, { ...ctx.opts, fresh: true })
  } catch (err) {
    throw unknown(adapter.id, ctx.keyed, err)
  }
  if (applied(adapter.type, intent, after, outcome)) {
    ctx.tracker.state = 'applied'
    return after
  }
  if (outcome.timedOut && now() - outcome.sentAt < ctx.settleMs) throw unknown(adapter.id, ctx.keyed, cause)
  ctx.tracker.state = 'not_applied'
  throw notApplied(adapter.id, cause)
}

// The incident read back shows what the write asked for.
export function applied (type: ProviderAdapter['type'], intent: WriteIntent, after: IncidentT,
  outcome: UnknownOutcome): boolean {
  const noteThere = (text: string) => countNotes(after, text) > (outcome.notesBefore ?? 0)
  const labelsThere = (labels: LabelT[]) =>
    labels.every((l) => after.labels.some((a) => a.key === l.key && a.value === l.value))
  switch (intent.kind) {
    case 'update': {
      const { status, severity, external_ref: ref } = intent.patch
      return (status === undefined || after.status === status) &&
        (severity === undefined || after.severity === severity) &&
        (ref === undefined || (after.external_ref ?? '') === (ref ?? ''))
    }
    case 'close': {
      const { classification, notes, label } = intent.request
      // Cloudlock records a false positive as DISMISSED and has no classification field.
      if (type === 'cloudlock') return after.status === cloudlockClosedStatus(classification)
      return after.status === 'resolved' &&
        (classification === undefined || after.classification === classification) &&
        (label === undefined || labelsThere([label])) &&
        (notes === undefined || noteThere(notes))
    }
    case 'note': return noteThere(intent.text)
    case 'labels': return labelsThere(intent.labels)
  }
}

const appendedNote = (intent: WriteIntent): string | undefined =>
  intent.kind === 'note' ? intent.text : intent.kind === 'close' ? intent.request.notes : undefined

const countNotes = (incident: IncidentT, text: string): number => incident.notes.filter((n) => n.text === text).length

function unknown (providerId: string, keyed: boolean, cause: unknown): GatewayError {
  const next = keyed
    ? 'Repeat the request with the same Idempotency-Key to learn the outcome; the gateway never sends the write twice.'
    : 'Read the incident to see whether it took effect before repeating the request.'
  return new GatewayError('write_outcome_unknown',
    `Provider '${providerId}' did not confirm the write and the gateway could not yet tell whether it took effect. ` +
    next,
    { provider: providerId, cause })
}

function notApplied (providerId: string, cause: unknown): GatewayError {
  const said = isGatewayError(cause) ? `${cause.detail} ` : `Provider '${providerId}' did not confirm the write. `
  const code = isGatewayError(cause) && cause.code === 'upstream_timeout' ? 'upstream_timeout' : 'upstream_error'
  return new GatewayError(code,
    `${said}The gateway read the incident back: the change was not applied, so repeating the request is safe.`,
    { provider: providerId, cause })
}
