import { GatewayError } from '../../errors/gateway-error.ts'
import type { EnumMapper } from '../../mapping/mapper.ts'
import { microsToCloudlock, parseVendorTime } from '../../mapping/timestamps.ts'
import type { ListFilters, NativePosition } from '../types.ts'

// How normalized filters become Cloudlock list parameters. Cloudlock takes one value per
// filter, so a filter that needs several native values is applied by the gateway to what it
// fetches: one stream at the largest page size costs fewer calls than one query per value
// merged together (each value's stream would cost at least one call per page).
export interface CloudlockListPlan {
  empty: boolean // a requested value has no Cloudlock counterpart at all: nothing can match
  params: Record<string, string>
  keep: ((raw: Record<string, unknown>) => boolean) | null // gateway-side filter, if any
  upperMicros: bigint // exclusive created_at bound: the walk's pin or the caller's created_before
}

const micros = (iso: string, name: string): bigint => {
  const parsed = parseVendorTime(iso)
  if (!parsed) throw new GatewayError('validation_failed', `${name} is not an RFC 3339 timestamp.`)
  return parsed.micros
}

export function planCloudlockList (filters: ListFilters, pinnedAt: string, mapper: EnumMapper): CloudlockListPlan {
  const params: Record<string, string> = { order: '-created_at', count_total: 'false' }
  const gateway: Array<(raw: Record<string, unknown>) => boolean> = []
  let empty = false

  for (const [kind, native] of [['severity', 'severity'], ['status', 'incident_status']] as const) {
    const wanted: readonly string[] | undefined = filters[kind]
    if (!wanted || wanted.length === 0) continue
    const natives = mapper.nativesFor(kind, wanted)
    // `unknown` is what any unmapped vendor value reads as: only the gateway can recognise it.
    if (wanted.includes('unknown')) gateway.push((raw) => wanted.includes(mapper.toNormalized(kind, raw[native])))
    else if (natives.length === 0) empty = true
    else if (natives.length === 1) params[native] = natives[0]
    else gateway.push((raw) => wanted.includes(mapper.toNormalized(kind, raw[native])))
  }

  let upper = micros(pinnedAt, 'pinnedAt')
  if (filters.createdBefore) {
    const before = micros(filters.createdBefore, 'created_before')
    if (before < upper) upper = before
  }
  if (filters.createdAfter) {
    const after = micros(filters.createdAfter, 'created_after')
    if (after >= upper) empty = true // an empty window: nothing to ask for
    params.created_after = microsToCloudlock(after)
  }
  if (filters.updatedAfter) params.updated_after = microsToCloudlock(micros(filters.updatedAfter, 'updated_after'))
  if (filters.updatedBefore) params.updated_before = microsToCloudlock(micros(filters.updatedBefore, 'updated_before'))

  return {
    empty,
    params,
    keep: gateway.length ? (raw) => gateway.every((f) => f(raw)) : null,
    upperMicros: upper
  }
}

// The resume position is a keyset, not a bare offset: every incident created after `b`
// (microseconds) is consumed, plus the first `s` of those created exactly at `b`. It survives
// incidents leaving the filter or arriving meanwhile, which would shift a plain offset.
export interface KeysetPosition { b: string, s: number }

export function readPosition (position: NativePosition | null): KeysetPosition | null {
  if (position === null) return null
  const { b, s } = position as Partial<KeysetPosition>
  if (typeof b !== 'string' || !/^\d{1,20}$/.test(b) || typeof s !== 'number' || !Number.isSafeInteger(s) || s < 0) {
    throw new GatewayError('invalid_cursor', 'The cursor holds an invalid Cloudlock position.')
  }
  return { b, s }
}

export function advance (pos: KeysetPosition | null, createdMicros: bigint): KeysetPosition {
  const b = createdMicros.toString()
  return pos && pos.b === b ? { b, s: pos.s + 1 } : { b, s: 1 }
}
