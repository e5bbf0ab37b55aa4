import { DEFAULT_CALL_BUDGET } from '../adapters/keyset-walk.ts'
import { compareNativeIds } from '../adapters/stream-order.ts'
import type { ListFilters, ListPage, NativePosition, ProviderAdapter, StreamItem } from '../adapters/types.ts'
import { GatewayError, isGatewayError, TRANSIENT_CODES } from '../errors/gateway-error.ts'
import type { IncidentT } from '../schemas/incident.ts'
import type { ProviderFailureT } from '../schemas/problem.ts'
import { type CursorCodec, type CursorPayload, type ProviderCursorState, filterDigest } from './cursor.ts'
import { ReadAheadCache } from './read-ahead-cache.ts'

// Every provider fetch asks for the largest page both vendors allow: a walk then costs the
// fewest upstream calls, and what one page does not use serves the next.
const FETCH_SIZE = 100

interface Stream {
  adapter: ProviderAdapter
  start: NativePosition | null // the cursor's position for this provider
  items: StreamItem[] // buffered incidents, newest first
  head: number // next unconsumed item
  exhausted: boolean
  tail: NativePosition | null // where the next fetch continues
  calls: number
  stalled: boolean // the call budget ran out, or a transient failure stopped it after progress
  error?: GatewayError
}

export interface ListParams {
  providers: ProviderAdapter[]
  filters: ListFilters
  limit: number
  cursor?: string
  allowPartial: boolean
  signal?: AbortSignal
  deadline?: number // epoch ms of the signal's deadline
  requestId?: string // forwarded upstream
  onUnexpected?: (providerId: string, err: unknown) => void // an adapter fault that is not a GatewayError
  cache?: ReadAheadCache
  callBudget?: number // vendor list calls per provider per request (limits.upstream_calls_per_request)
}

export interface ProviderOutcome {
  status: 'ok' | 'error' | 'skipped'
  error?: GatewayError
}

export interface ListResult {
  data: IncidentT[]
  nextCursor: string | null
  providers: Record<string, ProviderOutcome>
  upstreamCalls: number
}

// The merged order (spec section 5): newest first; equal timestamps by provider id, then by native
// id (the stream order of src/adapters/stream-order.ts), both descending. Total and repeatable.
// Compared field by field, without building keys: it runs for every incident of every page.
interface MergeKey { micros: bigint, provider: string, native: string }
const keyOf = (item: StreamItem): MergeKey =>
  ({ micros: item.createdMicros, provider: item.incident.provider, native: item.incident.native_id })
function before (a: MergeKey, b: StreamItem): boolean {
  if (a.micros !== b.createdMicros) return a.micros > b.createdMicros
  if (a.provider !== b.incident.provider) return a.provider > b.incident.provider
  return compareNativeIds(a.native, b.incident.native_id) > 0
}
const itemBefore = (a: StreamItem, b: StreamItem): boolean =>
  a.createdMicros !== b.createdMicros ? a.createdMicros > b.createdMicros : before(keyOf(a), b)

const asGatewayError = (providerId: string, err: unknown): GatewayError =>
  isGatewayError(err)
    ? err
    : new GatewayError('upstream_error', `Provider '${providerId}' failed.`, { provider: providerId, cause: err })

// One page of the merged listing (spec section 5): the providers' streams are merged k-way from
// their cursor positions, and each provider's position advances exactly past what this page used
// (test/v1/listing.test.ts, test/v1/walk-property.test.ts).
export async function listIncidents (codec: CursorCodec, params: ListParams,
  now: () => number = Date.now): Promise<ListResult> {
  const ids = params.providers.map((p) => p.id).sort()
  const digest = filterDigest({ providers: ids, ...normalizeFilters(params.filters) })
  const state: CursorPayload = params.cursor
    ? codec.decode(params.cursor, digest)
    : { pin: new Date(now()).toISOString(), fd: digest, pos: Object.fromEntries(ids.map((id) => [id, null])) }

  const outcomes: Record<string, ProviderOutcome> = {}
  const streams: Stream[] = []
  for (const adapter of params.providers) {
    const start = state.pos[adapter.id]
    if (start === 'done') {
      outcomes[adapter.id] = { status: 'skipped' }
      continue
    }
    const hit = params.cache?.take(ReadAheadCache.key(adapter.id, digest, state.pin, start))
    streams.push({
      adapter,
      start,
      items: hit?.items ?? [],
      head: 0,
      exhausted: hit?.exhausted ?? false,
      tail: hit ? hit.tail : start,
      calls: 0,
      stalled: false
    })
  }

  // The last incident the walk returned. Nothing that sorts before it is ever returned later: an
  // incident one replica's read-ahead memory still holds but a cold replica no longer found (it
  // left the filter, or was deleted, in between) would otherwise come back out of order.
  let last: MergeKey | null = state.last
    ? { micros: BigInt(state.last[0]), provider: state.last[1], native: state.last[2] }
    : null
  const dropPassed = () => {
    if (last === null) return
    for (const s of streams) while (s.head < s.items.length && !before(last, s.items[s.head])) s.head++
  }

  const failures: ProviderFailureT[] = []
  const budget = params.callBudget ?? DEFAULT_CALL_BUDGET
  const live = (s: Stream) => s.error === undefined
  const hungry = (s: Stream) => live(s) && !s.exhausted && s.head === s.items.length
  const fetchable = (s: Stream) => hungry(s) && !s.stalled && s.calls < budget

  // Fetches, in parallel, every provider whose buffer is used up, at the vendor's largest page,
  // within what is left of its call budget for this request.
  async function refill (): Promise<void> {
    const needy = streams.filter(fetchable)
    const settled = await Promise.allSettled(needy.map((s) => s.adapter.listPage({
      filters: params.filters,
      position: s.tail,
      pinnedAt: state.pin,
      want: FETCH_SIZE,
      budget: budget - s.calls,
      signal: params.signal,
      deadline: params.deadline,
      requestId: params.requestId
    })))
    settled.forEach((result, i) => {
      const s = needy[i]
      if (result.status === 'fulfilled') {
        const page: ListPage = result.value
        s.calls += page.upstreamCalls
        s.items.push(...page.items)
        s.exhausted = page.exhausted
        s.tail = page.scannedTo ?? page.items.at(-1)?.after ?? s.tail
        if (page.interrupted !== undefined) s.stalled = true
      } else {
        if (!isGatewayError(result.reason)) params.onUnexpected?.(s.adapter.id, result.reason)
        s.error = asGatewayError(s.adapter.id, result.reason)
        const { code, statusCode: status, detail } = s.error
        failures.push({ provider: s.adapter.id, code, status, detail })
      }
    })
    if (failures.length > 0 && (!params.allowPartial || !streams.some(live))) {
      throw listingFailure(streams, failures, params.allowPartial)
    }
  }

  // k-way merge. A provider is fetched only when its buffer runs dry, so over a walk each vendor
  // page is read about once (test/v1/listing.test.ts counts the calls; Cloudlock adds the overlap
  // reads that prove its offsets held): what a page does not use waits in the read-ahead cache.
  const data: IncidentT[] = []
  while (data.length < params.limit) {
    dropPassed()
    if (streams.some(hungry)) {
      if (streams.some(fetchable)) await refill()
      dropPassed()
      // Still nothing from a provider that is not finished (its call budget ran out, or a
      // transient failure stopped it): its next incident could be the newest, so the page ends
      // here, with a cursor that resumes exactly there.
      if (streams.some(hungry)) break
    }
    let best: Stream | null = null
    for (const s of streams) {
      if (!live(s) || s.head === s.items.length) continue
      if (best === null || itemBefore(s.items[s.head], best.items[best.head])) best = s
    }
    if (best === null) break
    const item = best.items[best.head++]
    last = keyOf(item)
    data.push(item.incident)
  }

  let upstreamCalls = 0
  const pos: Record<string, ProviderCursorState> = { ...state.pos }
  for (const s of streams) {
    const id = s.adapter.id
    upstreamCalls += s.calls
    outcomes[id] = s.error ? { status: 'error', error: s.error } : { status: 'ok' }
    const at = s.head > 0 ? s.items[s.head - 1].after : s.start
    if (s.error || s.head < s.items.length) {
      pos[id] = at
      if (!s.error) {
        const rest = { items: s.items.slice(s.head), exhausted: s.exhausted, tail: s.tail }
        params.cache?.put(ReadAheadCache.key(id, digest, state.pin, at), rest)
      }
    } else {
      // Everything fetched was used: finished, or resume after all that was examined.
      pos[id] = s.exhausted ? 'done' : s.tail
    }
  }
  const finished = ids.every((id) => pos[id] === 'done')
  const resumeAfter = last ? { last: [String(last.micros), last.provider, last.native] as CursorPayload['last'] } : {}
  return {
    data,
    nextCursor: finished ? null : codec.encode({ pin: state.pin, fd: digest, pos, ...resumeAfter }),
    providers: outcomes,
    upstreamCalls
  }
}

// Spec section 5: when every failure is transient (rate limit, open circuit, timeout) the answer
// says "retry" in the status a SOAR understands: 503 (504 when all timed out) with Retry-After.
const DEFAULT_RETRY_AFTER_S = 5

function listingFailure (streams: Stream[], failures: ProviderFailureT[], allowPartial: boolean): GatewayError {
  const retry = Math.max(0, ...streams.map((st) => st.error?.retryAfter ?? 0))
  const names = failures.map((f) => `${f.provider} (${f.code})`).join(', ')
  const transient = failures.every((f) => TRANSIENT_CODES.has(f.code))
  const timeoutsOnly = failures.every((f) => f.code === 'upstream_timeout')
  const rateLimited = failures.some((f) => f.code === 'upstream_rate_limited')
  const code = !transient
    ? 'upstream_error'
    : timeoutsOnly ? 'upstream_timeout' : rateLimited ? 'upstream_rate_limited' : 'provider_unavailable'
  const detail = `Provider${failures.length > 1 ? 's' : ''} ${names} failed, so the listing would be incomplete. ` +
    `${transient ? 'The failure is temporary: retry the same request after Retry-After' : 'Retry later'}` +
    `${allowPartial ? '' : ', or pass allow_partial=true to receive the other providers\' incidents'}.`
  return new GatewayError(code, detail, {
    status: !transient ? 502 : timeoutsOnly ? 504 : 503,
    failedProviders: failures,
    provider: failures.length === 1 ? failures[0].provider : undefined,
    retryAfter: retry > 0 ? retry : transient ? DEFAULT_RETRY_AFTER_S : undefined
  })
}

function normalizeFilters (f: ListFilters): Record<string, unknown> {
  return {
    severity: f.severity ? [...new Set(f.severity)].sort() : null,
    status: f.status ? [...new Set(f.status)].sort() : null,
    created_after: f.createdAfter ?? null,
    created_before: f.createdBefore ?? null,
    updated_after: f.updatedAfter ?? null,
    updated_before: f.updatedBefore ?? null,
    priority: f.priority ? [...new Set(f.priority)].sort() : null,
    external_ref: f.externalRef ?? null,
    label: f.label ? [f.label.key, f.label.value] : null,
    policy_id: f.policyId ?? null
  }
}
