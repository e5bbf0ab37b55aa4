import { toProblem } from '../errors/problem-document.ts'
import { GatewayError } from '../errors/gateway-error.ts'
import type { ItemVerdictT } from '../schemas/job.ts'
import type { ProblemT } from '../schemas/problem.ts'
import { firstTag, ifMatchHolds, type IncidentEtags } from '../services/incident-etag.ts'
import type { RequestContext } from '../services/incident-service.ts'
import type { Principal } from '../services/principal.ts'
import { resolveIncidentId, type ProviderSource } from '../services/provider-access.ts'
import { checkWrite, type BatchAction } from './write-checks.ts'

export type BatchItem = BatchAction & { id: string, if_match?: string }

// Reads at once per dry run: a 500-item dry run must not hold the vendors' interactive budget alone.
const CONCURRENCY = 4

// A dry run (spec section 11): each item's verdict after reads only. The checks, in the order a real
// write meets them: the id and the key's providers (400/403/404), the provider's capability and
// values (422), the incident itself (a read: 404 and any upstream failure), If-Match (412).
export async function dryRun (providers: ProviderSource, etags: IncidentEtags, principal: Principal,
  items: BatchItem[], ctx: RequestContext): Promise<ItemVerdictT[]> {
  const results: ItemVerdictT[] = new Array(items.length)
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const index = next++
      results[index] = await verdict(providers, etags, principal, items[index], index, ctx)
    }
  }
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, items.length) }, worker))
  return results
}

async function verdict (providers: ProviderSource, etags: IncidentEtags, principal: Principal, item: BatchItem,
  index: number, ctx: RequestContext): Promise<ItemVerdictT> {
  let etag: string | undefined
  try {
    const { adapter, nativeId } = resolveIncidentId(providers, principal, item.id)
    checkWrite(adapter, item)
    const current = await adapter.get(nativeId,
      { signal: ctx.signal, deadline: ctx.deadline, requestId: ctx.requestId, fresh: true })
    etag = etags.of(current)
    if (item.if_match !== undefined && !ifMatchHolds(item.if_match, etag)) {
      const named = firstTag(item.if_match)
      throw new GatewayError('precondition_failed', `Incident ${item.id} is no longer in the state if_match names.`,
        { etag, fields: (named === null ? null : etags.differing(named, current)) ?? [], provider: adapter.id })
    }
    return { index, id: item.id, verdict: 'would_succeed', etag }
  } catch (err) {
    return { index, id: item.id, verdict: 'refused', ...(etag ? { etag } : {}), error: itemProblem(err, ctx, item) }
  }
}

// One item's problem document: the one its single write would have answered with.
export function itemProblem (err: unknown, ctx: { requestId: string }, item: { id: string, action: string }): ProblemT {
  const suffix = item.action === 'update' ? '' : item.action === 'note' ? '/notes' : `/${item.action}`
  return toProblem(err, { id: ctx.requestId, url: `/v1/incidents/${item.id}${suffix}` }).body
}
