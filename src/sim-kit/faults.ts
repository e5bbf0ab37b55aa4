// Fault definitions for POST /__sim/faults: strict parsing and first-added-wins matching.
import type { Rng } from './random.ts'
import { SimInputError } from './sim-input-error.ts'

export const FAULT_MODES = ['reset', 'malformed', 'truncated', 'slow_body', 'html'] as const
export type FaultMode = typeof FAULT_MODES[number]

const METHODS = new Set(['*', 'GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'])
const FIELDS = new Set(['route', 'status', 'rate', 'count', 'latency_ms', 'retry_after', 'mode', 'chunk_interval_ms'])
// These modes mangle or drop the real response, so a status of their own makes no sense.
const MODES_WITHOUT_STATUS = new Set<FaultMode>(['reset', 'truncated', 'slow_body'])
const MAX_DELAY_MS = 600_000

export const DEFAULT_CHUNK_INTERVAL_MS = 200

export interface FaultSpec {
  route: string // normalized "<METHOD|*> <path prefix>"
  status?: number
  rate: number
  count?: number
  latency_ms?: number
  retry_after?: number
  mode?: FaultMode
  chunk_interval_ms?: number
}

export interface Fault extends FaultSpec {
  id: string
  remaining: number | null // null = unlimited
  hits: number
}

interface ActiveFault {
  fault: Fault
  method: string
  prefix: string
}

function isPlainObject (value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

function readInt (body: Record<string, unknown>, key: string, min: number, max: number): number | undefined {
  const value = body[key]
  if (value === undefined) return undefined
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new SimInputError(`"${key}" must be an integer from ${min} to ${max}`)
  }
  return value
}

function parseRoute (value: unknown): { method: string, prefix: string } {
  if (value === undefined) return { method: '*', prefix: '/' }
  if (typeof value !== 'string') throw new SimInputError('"route" must be a string like "GET /api/v2/incidents"')
  const parts = value.trim().split(/\s+/)
  // A bare path means any method.
  const [method, prefix] = parts.length === 1 ? ['*', parts[0]] : [parts[0].toUpperCase(), parts[1]]
  if (parts.length > 2 || !METHODS.has(method) || !prefix.startsWith('/')) {
    throw new SimInputError('"route" must be "<METHOD or *> <path prefix starting with />"')
  }
  return { method, prefix }
}

export function parseFault (body: unknown): FaultSpec & { method: string, prefix: string } {
  if (!isPlainObject(body)) throw new SimInputError('fault must be a JSON object')
  for (const key of Object.keys(body)) {
    if (!FIELDS.has(key)) throw new SimInputError(`unknown fault field "${key}"`)
  }
  const { method, prefix } = parseRoute(body.route)
  const rate = body.rate === undefined ? 1 : body.rate
  if (typeof rate !== 'number' || !(rate >= 0 && rate <= 1)) {
    throw new SimInputError('"rate" must be a number from 0 to 1')
  }
  const mode = body.mode
  if (mode !== undefined && !FAULT_MODES.includes(mode as FaultMode)) {
    throw new SimInputError(`"mode" must be one of ${FAULT_MODES.join(', ')}`)
  }
  const spec: FaultSpec & { method: string, prefix: string } = { route: `${method} ${prefix}`, method, prefix, rate }
  const status = readInt(body, 'status', 100, 599)
  const count = readInt(body, 'count', 1, Number.MAX_SAFE_INTEGER)
  const latency = readInt(body, 'latency_ms', 0, MAX_DELAY_MS)
  const retryAfter = readInt(body, 'retry_after', 0, 86_400)
  const interval = readInt(body, 'chunk_interval_ms', 1, MAX_DELAY_MS)
  if (status !== undefined) spec.status = status
  if (count !== undefined) spec.count = count
  if (latency !== undefined) spec.latency_ms = latency
  if (retryAfter !== undefined) spec.retry_after = retryAfter
  if (mode !== undefined) spec.mode = mode as FaultMode
  if (interval !== undefined) spec.chunk_interval_ms = interval

  if (spec.mode !== undefined && spec.status !== undefined && MODES_WITHOUT_STATUS.has(spec.mode)) {
    throw new SimInputError(`"status" cannot be combined with mode "${spec.mode}"`)
  }
  if (spec.retry_after !== undefined && spec.status === undefined && spec.mode !== 'html') {
    throw new SimInputError('"retry_after" needs a "status" (typically 429 or 503)')
  }
  if (spec.chunk_interval_ms !== undefined && spec.mode !== 'slow_body') {
    throw new SimInputError('"chunk_interval_ms" only applies to mode "slow_body"')
  }
  if (spec.status === undefined && spec.mode === undefined && spec.latency_ms === undefined) {
    throw new SimInputError('a fault needs at least one of "status", "mode" or "latency_ms"')
  }
  return spec
}

export class FaultTable {
  #active: ActiveFault[] = []
  #nextId = 1

  add (spec: FaultSpec & { method: string, prefix: string }): Fault {
    const { method, prefix, ...rest } = spec
    const fault: Fault = { id: `f${this.#nextId++}`, ...rest, remaining: spec.count ?? null, hits: 0 }
    this.#active.push({ fault, method, prefix })
    return { ...fault }
  }

  list (): Fault[] {
    return this.#active.map(({ fault }) => ({ ...fault }))
  }

  remove (id: string): boolean {
    const before = this.#active.length
    this.#active = this.#active.filter(({ fault }) => fault.id !== id)
    return this.#active.length !== before
  }

  clear (): void {
    this.#active = []
  }

  // The first added fault whose route matches and whose rate roll succeeds fires; later ones are not
  // consulted. `count` only decreases when a fault fires, and an exhausted fault is removed
  // (test/simulators/common/sim-kit-faults.test.ts).
  take (method: string, path: string, rng: Rng): Fault | undefined {
    for (const active of this.#active) {
      if (active.method !== '*' && active.method !== method) continue
      if (!path.startsWith(active.prefix)) continue
      const { fault } = active
      if (fault.rate < 1 && !rng.chance(fault.rate)) continue
      fault.hits++
      if (fault.remaining !== null) {
        fault.remaining--
        if (fault.remaining === 0) this.#active = this.#active.filter((a) => a !== active)
      }
      return { ...fault }
    }
    return undefined
  }
}
