import { GatewayError, isGatewayError } from '../../errors/gateway-error.ts'
import type { EnumMapper } from '../../mapping/mapper.ts'
import type { ListPage, PageRequest, StreamItem } from '../types.ts'
import type { ZwaCall } from './caller.ts'
import { planZwaSearch, searchBody, type ZwaSearchPlan } from './list-query.ts'
import { mapZwaIncident, type MappedZwa } from './map-incident.ts'
import { nextKeyset, PAGE_SIZE, readPosition, type ZwaPosition } from './position.ts'
import { obj } from '../values.ts'

const MAX_PAGES = 10 // per listPage call: bounds the cost of a selective gateway-side filter

export interface WalkDeps {
  providerId: string
  prefix: string
  call: ZwaCall
  mapper: EnumMapper
}

interface SearchPage {
  pageId: string | null
  morePages: boolean
  records: Array<{ raw: unknown, mapped: MappedZwa, ms: number }>
}

// A search answer, every record mapped: one the gateway cannot read fails the page rather than
// vanish from it.
function readPage (deps: WalkDeps, requested: { pageId: string | null, page: number }) {
  return (body: unknown): SearchPage => {
    const o = obj(body)
    const incidents = o?.incidents
    if (!Array.isArray(incidents)) {
      throw new GatewayError('upstream_error', `Provider '${deps.providerId}' sent a search response without an incidents list.`, { provider: deps.providerId })
    }
    const cursor = obj(o?.cursor)
    const totalPages = cursor?.totalPages
    return {
      pageId: typeof cursor?.pageId === 'string' && cursor.pageId !== '' ? cursor.pageId : requested.pageId,
      // Without totalPages, a full page may have a successor.
      morePages: Number.isSafeInteger(totalPages) ? requested.page + 1 < (totalPages as number) : incidents.length >= PAGE_SIZE,
      records: incidents.map((raw) => {
        const mapped = mapZwaIncident(raw, deps.providerId, deps.mapper)
        return { raw, mapped, ms: Number(mapped.createdMicros / 1000n) }
      })
    }
  }
}

// The next search to send. 'resume' re-reads a snapshot page and checks that the item before
// `skip` is still the one consumed; 'keyset' is a fresh search ending just after b.
interface Step {
  pageId: string | null
  page: number
  skip: number
  endMs: number
  mode: 'start' | 'resume' | 'keyset' | 'next'
}

type Keyset = { b: string, s: number }

function keysetStep (k: Keyset, plan: ZwaSearchPlan): Step {
  return { pageId: null, page: Math.floor(k.s / PAGE_SIZE), skip: k.s % PAGE_SIZE, endMs: Math.min(Number(k.b) + 1, plan.upperMs), mode: 'keyset' }
}

// One page of the ZWA stream (newest createdAt first, ties by internalId descending), resumable
// from a ZwaPosition. See position.ts for the two ways a position resumes.
export async function walkZwa (request: PageRequest, deps: WalkDeps): Promise<ListPage> {
  const plan = planZwaSearch(request.filters, request.pinnedAt, deps.mapper)
  const start = readPosition(request.position)
  if (plan.empty) return { items: [], exhausted: true, upstreamCalls: 0 }

  // s 0 at the last millisecond of the range: nothing consumed yet.
  let keyset: Keyset = start ? { b: start.b, s: start.s } : { b: String(plan.upperMs - 1), s: 0 }
  let step: Step = !start
    ? { pageId: null, page: 0, skip: 0, endMs: plan.upperMs, mode: 'start' }
    : start.pageId === null
      ? keysetStep(keyset, plan)
      : { pageId: start.pageId, page: start.page, skip: start.index, endMs: start.e ? Math.min(Number(start.e), plan.upperMs) : plan.upperMs, mode: 'resume' }
  const items: StreamItem[] = []
  let tail: ZwaPosition | null = null // position after everything examined
  let tailIsItem = false
  let calls = 0
  let pages = 0
  let restarted = false
  let exhausted = false

  while (true) {
    let result: SearchPage
    try {
      result = await deps.call({
        method: 'POST',
        path: `${deps.prefix}/incidents/search`,
        query: { page: String(step.page), pageSize: String(PAGE_SIZE), pageId: step.pageId ?? undefined },
        body: searchBody(plan, step.endMs),
        signal: request.signal
      }, { deadline: request.deadline, requestId: request.requestId }, readPage(deps, step), () => { calls++ })
    } catch (err) {
      // An expired or unknown pageId is a 400 (-> unsupported_value): restart once from the keyset.
      if (step.pageId !== null && !restarted && isGatewayError(err) && err.code === 'unsupported_value') {
        restarted = true
        step = keysetStep(keyset, plan)
        continue
      }
      throw err
    }
    const { pageId, morePages, records: page } = result
    const b = Number(keyset.b)

    let i = step.skip
    if (step.mode === 'resume' && i > 0 && (i > page.length || page[i - 1].ms !== b) && !restarted) {
      // The page changed shape (an incident was deleted): the keyset is the safe way on.
      restarted = true
      step = keysetStep(keyset, plan)
      continue
    }
    if (step.mode === 'keyset') {
      // Skip only items still at b, so one deleted meanwhile never pushes the walk past a live item.
      i = 0
      while (i < step.skip && i < page.length && page[i].ms === b) i++
    }
    const e = step.endMs === plan.upperMs ? {} : { e: String(step.endMs) }
    const first = i
    let stopped = false
    for (; i < page.length; i++) {
      if (items.length === request.want) {
        stopped = true
        break
      }
      const { raw, mapped, ms } = page[i]
      keyset = nextKeyset(keyset, ms)
      const atEnd = i + 1 === page.length
      tail = { pageId, page: atEnd ? step.page + 1 : step.page, index: atEnd ? 0 : i + 1, ...keyset, ...e }
      tailIsItem = !plan.keep || plan.keep(raw)
      if (tailIsItem) items.push({ incident: mapped.incident, createdMicros: mapped.createdMicros, after: tail })
    }
    if (stopped) break
    if (i === first) {
      // Nothing left on this page (empty, or every item already consumed): the next page follows.
      tail = { pageId, page: step.page + 1, index: 0, ...keyset, ...e }
      tailIsItem = false
    }
    pages++
    if (!morePages) {
      exhausted = true
      break
    }
    if (items.length === request.want || pages >= MAX_PAGES) break
    step = { pageId, page: step.page + 1, skip: 0, endMs: step.endMs, mode: 'next' }
  }
  return { items, exhausted, upstreamCalls: calls, ...(tail && !tailIsItem ? { scannedTo: tail } : {}) }
}
