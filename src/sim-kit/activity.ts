// Activity mode: a simulator acts like analysts at the vendor console, creating and changing incidents
// on its own, so a sync loop has something to discover. The mix and the timer live here; what an action
// does to a record is each simulator's business (its ActivityVendor).
import { createRng, type Rng } from './random.ts'
import { SimInputError } from './sim-input-error.ts'

export interface ActivityAction {
  type: 'created' | 'updated'
  id: string // the vendor's incident id
  changed: string[] // native field names the action set (the update time included)
}

export interface ActivityVendor {
  create: (rng: Rng) => ActivityAction
  change: (rng: Rng) => ActivityAction | undefined // undefined: nothing left to change
}

export interface ActivityOptions {
  perMinute: number // average actions per minute of wall time; 0 = no timer (ticks still work)
  seed?: number | string // default: the simulator's data seed
  onAction?: (action: ActivityAction) => void // observer, e.g. for tests
}

export const MAX_PER_MINUTE = 6000
export const MAX_TICK = 1000
const CREATE_SHARE = 0.4

export function checkActivityOptions (name: string, opts: ActivityOptions | undefined): void {
  if (opts === undefined) return
  const rate = opts.perMinute
  if (typeof rate !== 'number' || !Number.isFinite(rate) || rate < 0 || rate > MAX_PER_MINUTE) {
    throw new RangeError(`${name} simulator option activity.perMinute must be a number from 0 to ${MAX_PER_MINUTE}`)
  }
}

// Body of POST /__sim/activity/tick: absent or {"count": 1..MAX_TICK}.
export function parseTickBody (body: unknown): number {
  if (body === undefined || body === null) return 1
  if (typeof body !== 'object' || Array.isArray(body)) throw new SimInputError('body must be a JSON object')
  const fields = body as Record<string, unknown>
  for (const key of Object.keys(fields)) {
    if (key !== 'count') throw new SimInputError(`unknown field "${key}"; only "count" is accepted`)
  }
  const count = fields.count ?? 1
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > MAX_TICK) {
    throw new SimInputError(`"count" must be an integer from 1 to ${MAX_TICK}`)
  }
  return count
}

export class ActivityRunner {
  readonly perMinute: number
  readonly #vendor: ActivityVendor
  readonly #seed: string
  readonly #onAction: ActivityOptions['onAction']
  readonly #onError: (err: unknown) => void
  #rng: Rng
  // Delays come from their own stream, so the action sequence is the same whether driven by the
  // timer or by ticks (test/simulators/common/activity.test.ts).
  #timing: Rng
  #timer: NodeJS.Timeout | undefined
  #running = false
  performed = 0

  constructor (vendor: ActivityVendor, seed: string, opts: ActivityOptions | undefined, onError: (e: unknown) => void) {
    this.#vendor = vendor
    this.#seed = seed
    this.perMinute = opts?.perMinute ?? 0
    this.#onAction = opts?.onAction
    this.#onError = onError
    this.#rng = createRng(`${seed}:activity`)
    this.#timing = createRng(`${seed}:activity-timing`)
  }

  get running (): boolean {
    return this.#running
  }

  // Back to the first action of the sequence (POST /__sim/reset).
  reset (): void {
    this.#rng = createRng(`${this.#seed}:activity`)
  }

  tick (count: number): ActivityAction[] {
    const out: ActivityAction[] = []
    for (let i = 0; i < count; i++) out.push(this.#step())
    return out
  }

  #step (): ActivityAction {
    const rng = this.#rng
    const action = (rng.chance(CREATE_SHARE) ? undefined : this.#vendor.change(rng)) ?? this.#vendor.create(rng)
    this.performed++
    this.#onAction?.(action)
    return action
  }

  start (): void {
    if (this.#running || this.perMinute <= 0) return
    this.#running = true
    this.#schedule()
  }

  stop (): void {
    this.#running = false
    if (this.#timer !== undefined) clearTimeout(this.#timer)
    this.#timer = undefined
  }

  // Exponential gaps (a Poisson process) average perMinute; unref'd so an open simulator never keeps
  // a process alive on its own.
  #schedule (): void {
    const meanMs = 60_000 / this.perMinute
    const delay = Math.max(1, Math.round(-Math.log(1 - this.#timing.next()) * meanMs))
    this.#timer = setTimeout(() => {
      if (!this.#running) return
      try {
        this.#step()
      } catch (err) {
        this.#onError(err)
      }
      this.#schedule()
    }, delay)
    this.#timer.unref()
  }
}
