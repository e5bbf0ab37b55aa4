// At most `max` upstream requests of one provider in flight; later ones wait in FIFO order for at
// most the time they are given, or are refused at once when `maxQueue` callers already wait
// (test/resilience/units.test.ts).
// Hand-written (a semaphore with a bounded, deadline-aware queue): undici's pool would queue
// excess requests without bound and without regard to the caller's deadline.
interface Waiter {
  grant: () => void
}

export class ConcurrencyLimiter {
  private active = 0
  private readonly queue: Waiter[] = []
  private readonly max: number
  private readonly maxQueue: number

  constructor (max: number, maxQueue: number) {
    this.max = max // 0 = unlimited
    this.maxQueue = maxQueue
  }

  get inFlight (): number {
    return this.active
  }

  get waiting (): number {
    return this.queue.length
  }

  // A slot within `waitMs`: true when granted (release it later), false when the wait ran out,
  // the queue is full or the signal fired.
  acquire (waitMs: number, signal?: AbortSignal): Promise<boolean> {
    if (this.max <= 0 || this.active < this.max) {
      this.active++
      return Promise.resolve(true)
    }
    if (waitMs <= 0 || this.queue.length >= this.maxQueue || signal?.aborted) return Promise.resolve(false)
    return new Promise<boolean>((resolve) => {
      const settle = (granted: boolean) => {
        clearTimeout(timer)
        signal?.removeEventListener('abort', onAbort)
        const i = this.queue.indexOf(waiter)
        if (i !== -1) this.queue.splice(i, 1)
        resolve(granted)
      }
      const waiter: Waiter = { grant: () => settle(true) }
      const onAbort = () => settle(false)
      const timer = setTimeout(() => settle(false), waitMs)
      signal?.addEventListener('abort', onAbort, { once: true })
      this.queue.push(waiter)
    })
  }

  release (): void {
    const next = this.queue.shift()
    if (next) next.grant() // the slot passes straight to the next waiter
    else this.active = Math.max(0, this.active - 1)
  }
}
