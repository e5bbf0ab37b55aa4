import type { ListFilters, ListPage, ProviderAdapter, StreamItem } from '../adapters/types.ts'
import { GatewayError, isGatewayError } from '../errors/gateway-error.ts'
import type { IncidentT } from '../schemas/incident.ts'
import type { ProviderFailureT } from '../schemas/problem.ts'
import { type CursorCodec, type CursorPayload, type ProviderCursorState, filterDigest } from './cursor.ts'

export interface ListParams {
  providers: ProviderAdapter[]
  filters: ListFilters
  limit: number
  cursor?: string
  allowPartial: boolean
  signal?: AbortSignal
  onUnexpected?: (providerId: string, err: unknown) => void // an adapter fault that is not a GatewayError
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

// Newest first; equal timestamps across providers ordered by id (descending, like each
// vendor's own tie order), so the merged order is total and repeatable.
function newer (a: StreamItem, b: StreamItem): boolean {
  if (a.createdMicros !== b.createdMicros) return a.createdMicros > b.createdMicros
  return a.incident.id > b.incident.id
}

const asGatewayError = (providerId: string, err: unknown): GatewayError =>
  isGatewayError(err) ? err : new GatewayError('upstream_error', `Provider '${providerId}' failed.`, { provider: providerId, cause: err })

// One page of the merged listing (spec section 5): every selected provider is asked in parallel
// for at most `limit` incidents from its cursor position, the streams are merged k-way, and each
// provider's position advances exactly past what this page consumed.
export async function listIncidents (codec: CursorCodec, params: ListParams, now: () => number = Date.now): Promise<ListResult> {
  const ids = params.providers.map((p) => p.id).sort()
  const digest = filterDigest({ providers: ids, ...normalizeFilters(params.filters) })
  const state: CursorPayload = params.cursor
    ? codec.decode(params.cursor, digest)
    : { pin: new Date(now()).toISOString(), fd: digest, pos: Object.fromEntries(ids.map((id) => [id, null])) }

  const outcomes: Record<string, ProviderOutcome> = {}
  const active = params.providers.filter((p) => {
    if (state.pos[p.id] === 'done') {
      outcomes[p.id] = { status: 'skipped' }
      return false
    }
    return true
  })

  const settled = await Promise.allSettled(active.map((p) => p.listPage({
    filters: params.filters,
    position: state.pos[p.id] as Exclude<ProviderCursorState, 'done'>,
    pinnedAt: state.pin,
    want: params.limit,
    signal: params.signal
  })))

  const pages = new Map<string, ListPage>()
  const failures: ProviderFailureT[] = []
  settled.forEach((result, i) => {
    const id = active[i].id
    if (result.status === 'fulfilled') {
      pages.set(id, result.value)
      outcomes[id] = { status: 'ok' }
    } else {
      if (!isGatewayError(result.reason)) params.onUnexpected?.(id, result.reason)
      const error = asGatewayError(id, result.reason)
      outcomes[id] = { status: 'error', error }
      failures.push({ provider: id, code: error.code, status: error.statusCode, detail: error.detail })
    }
  })

  if (failures.length > 0 && (!params.allowPartial || pages.size === 0)) {
    const retry = Math.max(0, ...active.map((p) => outcomes[p.id].error?.retryAfter ?? 0))
    const names = failures.map((f) => `${f.provider} (${f.code})`).join(', ')
    throw new GatewayError('upstream_error', `Provider${failures.length > 1 ? 's' : ''} ${names} failed, so the listing would be incomplete. Retry later${params.allowPartial ? '' : ', or pass allow_partial=true to receive the other providers\' incidents'}.`, {
      status: 502,
      failedProviders: failures,
      provider: failures.length === 1 ? failures[0].provider : undefined,
      retryAfter: retry > 0 ? retry : undefined
    })
  }

  // k-way merge of the provider streams.
  const heads = new Map<string, number>([...pages.keys()].map((id) => [id, 0]))
  const data: IncidentT[] = []
  while (data.length < params.limit) {
    let best: string | null = null
    for (const [id, index] of heads) {
      const item = pages.get(id)!.items[index]
      if (item && (best === null || newer(item, pages.get(best)!.items[heads.get(best)!]))) best = id
    }
    if (best === null) break
    data.push(pages.get(best)!.items[heads.get(best)!].incident)
    heads.set(best, heads.get(best)! + 1)
  }

  let upstreamCalls = 0
  const pos: Record<string, ProviderCursorState> = { ...state.pos }
  for (const [id, page] of pages) {
    upstreamCalls += page.upstreamCalls
    const consumed = heads.get(id)!
    if (consumed === page.items.length) {
      // Everything this provider returned was used: it is done, or resumes after all it examined.
      pos[id] = page.exhausted ? 'done' : (page.scannedTo ?? page.items[consumed - 1]?.after ?? pos[id])
    } else if (consumed > 0) {
      pos[id] = page.items[consumed - 1].after
    }
  }
  const finished = ids.every((id) => pos[id] === 'done')
  return {
    data,
    nextCursor: finished ? null : codec.encode({ pin: state.pin, fd: digest, pos }),
    providers: outcomes,
    upstreamCalls
  }
}

function normalizeFilters (f: ListFilters): Record<string, unknown> {
  return {
    severity: f.severity ? [...new Set(f.severity)].sort() : null,
    status: f.status ? [...new Set(f.status)].sort() : null,
    created_after: f.createdAfter ?? null,
    created_before: f.createdBefore ?? null,
    updated_after: f.updatedAfter ?? null,
    updated_before: f.updatedBefore ?? null
  }
}
