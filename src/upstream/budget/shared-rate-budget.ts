// A provider's vendor rate budget shared by every replica through Redis: the same semantics as
// LocalRateBudget (a slot held from send until a window after completion), for all replicas
// together (test/budget/multi-process.test.ts: three processes; shared-model.test.ts: the same
// answers as the local budget). The scripts and the key layout are in lua.ts.
//
// No library was used because none holds a slot while the request is in flight:
// rate-limiter-flexible counts points in fixed windows (its RateLimiterUnion consumes several
// limiters one by one, not atomically, and cannot say how long until an in-flight request frees
// room); Bottleneck's Redis clustering has reservoirs refilled on a timer and a concurrency cap,
// not "limit requests in any window, counting those in flight"; semaphore libraries hold a lease
// only while in flight. Combining two of them would not be atomic across windows.
//
// Redis away is never silent: every Redis error goes to onStoreError(err, operation), and the
// budget switches to 'fallback' (onModeChange): this replica then uses a local budget of
// `fallbackShare` times the configured limits (budget-factory.ts says why 0.25), and asks Redis
// again at most once per `retryMs` with the next reserve, returning to 'shared' when it answers
// (test/budget/fallback.test.ts).
import { randomBytes } from 'node:crypto'
import type { Redis } from 'ioredis'
import {
  type BudgetMode, type BudgetOperation, type BudgetSlot, type BudgetWindow, PAUSE_TOLERANCE_MS, type RateBudgetStore,
  type Reservation
} from './budget.ts'
import { LocalRateBudget } from './local-rate-budget.ts'
import { scripts } from './lua.ts'

export interface SharedRateBudgetOptions {
  redis: Redis // commands should fail fast while disconnected (enableOfflineQueue: false), as in src/state
  providerId: string
  windowsByClass: Record<string, BudgetWindow[]>
  fallbackWindows: Record<string, BudgetWindow[]> // this replica's share while Redis is away
  now?: () => number
  // Longest a request can be in flight: a slot whose replica died mid-request frees this long
  // after it was taken (plus its window). Too short would free slots of slow live requests early.
  leaseMs?: number
  keyPrefix?: string
  retryMs?: number // at most one attempt to reach Redis again per this many ms while in fallback
  // A Redis call slower than this counts as a failure: the request must not hang on it
  // (test/budget/fallback.test.ts, "a slow Redis never holds a request").
  timeoutMs?: number
  onStoreError?: (err: unknown, operation: BudgetOperation) => void
  onModeChange?: (mode: BudgetMode) => void
}

class SharedSlot implements BudgetSlot {
  readonly cls: string
  readonly id: string

  constructor (cls: string, id: string) {
    this.cls = cls
    this.id = id
  }
}

const STARTUP_WAIT_MS = 10_000

class StoreTimeout extends Error {
  constructor (ms: number) {
    super(`the shared rate budget store did not answer within ${ms} ms`)
    this.name = 'StoreTimeout'
  }
}

export class SharedRateBudget implements RateBudgetStore {
  private readonly redis: Redis
  private readonly windows: Record<string, BudgetWindow[]>
  private readonly fallback: LocalRateBudget
  private readonly now: () => number
  private readonly leaseMs: number
  private readonly base: string
  private readonly retryMs: number
  private readonly timeoutMs: number
  private readonly onStoreError: (err: unknown, operation: BudgetOperation) => void
  private readonly onModeChange: (mode: BudgetMode) => void
  private readonly instance = randomBytes(6).toString('hex')
  private seq = 0
  private current: BudgetMode = 'shared'
  private reprobe: NodeJS.Timeout | undefined
  private closed = false
  private lastFailure = 0
  private probing = false
  private readonly pending = new Set<Promise<unknown>>()

  constructor (options: SharedRateBudgetOptions) {
    this.redis = options.redis
    this.windows = {}
    for (const [cls, windows] of Object.entries(options.windowsByClass)) {
      this.windows[cls] = windows.filter((w) => w.limit > 0)
    }
    this.now = options.now ?? Date.now
    this.fallback = new LocalRateBudget(options.fallbackWindows, this.now)
    this.leaseMs = options.leaseMs ?? 600_000
    // A hash tag keeps a class's keys in one Redis Cluster slot, as a multi-key script needs.
    this.base = `${options.keyPrefix ?? 'dlpgw:budget:'}{${options.providerId}`
    this.retryMs = options.retryMs ?? 1_000
    this.timeoutMs = options.timeoutMs ?? 1_000
    this.onStoreError = options.onStoreError ?? (() => {})
    this.onModeChange = options.onModeChange ?? (() => {})
  }

  private windowsOf (cls: string): BudgetWindow[] {
    return this.windows[cls] ?? []
  }

  private keys (cls: string): { pause: string, windows: string[] } {
    const base = `${this.base}:${cls}}:`
    return { pause: `${base}pause`, windows: this.windowsOf(cls).map((w) => `${base}${w.ms}`) }
  }

  async reserve (cls: string): Promise<Reservation> {
    const probe = this.current === 'fallback'
    if (probe) {
      if (this.probing || this.now() - this.lastFailure < this.retryMs) return this.fallback.reserveNow(cls)
      this.probing = true
    }
    try {
      const r = await this.reserveShared(cls)
      // Only the probe returns to 'shared': a call sent before the failure and answered after it
      // says little about Redis now.
      if (probe) this.setMode('shared')
      return r
    } catch (err) {
      this.failed(err, 'reserve')
      return this.fallback.reserveNow(cls)
    } finally {
      if (probe) this.probing = false
    }
  }

  private async reserveShared (cls: string): Promise<Reservation> {
    const { pause, windows } = this.keys(cls)
    const id = `${this.instance}:${++this.seq}`
    // A pause this replica heard of holds it even if telling Redis failed; Redis may know a longer one.
    const args: Array<string | number> = [id, this.leaseMs, PAUSE_TOLERANCE_MS, this.fallback.pausedFor(cls)]
    for (const w of this.windowsOf(cls)) args.push(w.limit, w.ms)
    const [granted, waitMs] = await this.within(scripts.reserve.run(this.redis, [pause, ...windows], args), (late) => {
      // Granted after we gave up on it: nobody will send under it, so give it back.
      if ((late as number[])[0] === 1) this.cancel(new SharedSlot(cls, id))
    }) as number[]
    return granted === 1 ? { slot: new SharedSlot(cls, id) } : { waitMs }
  }

  done (slot: BudgetSlot): void {
    if (!(slot instanceof SharedSlot)) return this.fallback.done(slot) // taken in fallback: released locally
    const windows = this.windowsOf(slot.cls)
    if (windows.length === 0) return
    const args = [slot.id, this.leaseMs, ...windows.map((w) => w.ms)]
    this.background('done', scripts.done.run(this.redis, this.keys(slot.cls).windows, args))
  }

  cancel (slot: BudgetSlot): void {
    if (!(slot instanceof SharedSlot)) return this.fallback.cancel(slot)
    if (this.windowsOf(slot.cls).length === 0) return
    this.background('cancel', scripts.cancel.run(this.redis, this.keys(slot.cls).windows, [slot.id]))
  }

  pause (cls: string, until: number): void {
    this.fallback.pause(cls, until) // this replica honours it even if Redis does not hear of it
    const ms = Math.ceil(until - this.now())
    if (ms <= 0) return
    this.background('pause', scripts.pause.run(this.redis, [this.keys(cls).pause], [ms]))
  }

  mode (): BudgetMode {
    return this.current
  }

  // The client's first connection: a refusal or an error fails at once; a slow start (a busy
  // machine booting several replicas) is given up to STARTUP_WAIT_MS before it counts as down.
  private connection (): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const done = (err?: Error) => {
        clearTimeout(timer)
        this.redis.off('ready', onReady)
        this.redis.off('error', done)
        this.redis.off('end', onEnd)
        if (err) reject(err)
        else resolve()
      }
      const onReady = () => done()
      const onEnd = () => done(new Error('the shared rate budget store closed'))
      const timer = setTimeout(() => done(new StoreTimeout(STARTUP_WAIT_MS)), STARTUP_WAIT_MS)
      timer.unref()
      this.redis.once('ready', onReady)
      this.redis.once('error', done)
      this.redis.once('end', onEnd)
    })
  }

  // Redis at start-up: waits for the connection, then one PING. Unreachable means fallback
  // at once (reported), rather than 'shared' until the first vendor call finds out
  // (test/budget/fallback.test.ts, "probe"). Never rejects.
  probe (): Promise<void> {
    const p: Promise<void> = (async () => {
      try {
        if (this.redis.status !== 'ready') await this.connection()
        // A process starting next to others on a busy machine may take longer than a command's
        // timeout to hear the answer: the start-up PING gets the connection's allowance.
        await this.within(this.redis.ping(), undefined, STARTUP_WAIT_MS)
        this.setMode('shared')
      } catch (err) {
        this.failed(err, 'probe')
        this.probeAgainLater()
      }
    })().finally(() => { this.pending.delete(p) })
    this.pending.add(p)
    return p
  }

  // A failed start-up probe (a replica booting next to others on a busy machine) is tried again
  // every few seconds while in fallback, so a replica without traffic does not report `fallback`
  // for good; with traffic the next reserve finds Redis anyway.
  private probeAgainLater (): void {
    if (this.closed || this.reprobe) return
    this.reprobe = setTimeout(() => {
      this.reprobe = undefined
      if (!this.closed && this.current === 'fallback') this.probe().catch(() => {})
    }, Math.max(this.retryMs, 5_000))
    this.reprobe.unref()
  }

  // Waits for the fire-and-forget calls still running; the Redis client belongs to the caller.
  async close (): Promise<void> {
    this.closed = true
    clearTimeout(this.reprobe)
    await Promise.allSettled([...this.pending])
  }

  private background (operation: BudgetOperation, call: Promise<unknown>): void {
    const p: Promise<void> = this.within(call).then(() => {}, (err) => this.failed(err, operation))
      .then(() => { this.pending.delete(p) })
    this.pending.add(p)
  }

  private within<T> (call: Promise<T>, late?: (value: T) => void, ms = this.timeoutMs): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let timedOut = false
      const timer = setTimeout(() => {
        timedOut = true
        reject(new StoreTimeout(ms))
      }, ms)
      timer.unref()
      call.then((value) => {
        clearTimeout(timer)
        if (!timedOut) resolve(value)
        else late?.(value)
      }, (err) => {
        clearTimeout(timer)
        if (!timedOut) reject(err)
      })
    })
  }

  private failed (err: unknown, operation: BudgetOperation): void {
    this.lastFailure = this.now()
    try {
      this.onStoreError(err, operation)
    } catch {} // an observer's failure must not break the budget (test/upstream/budget-observers.test.ts)
    this.setMode('fallback')
  }

  private setMode (mode: BudgetMode): void {
    if (mode === this.current) return
    this.current = mode
    try {
      this.onModeChange(mode)
    } catch {}
  }
}
