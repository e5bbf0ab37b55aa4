// Identical concurrent reads share one upstream call (single flight): the first caller's call
// runs; callers with the same key that arrive while it is in flight get its result. Only reads
// are coalesced, and only while in flight: nothing is cached afterwards (test/resilience/units.test.ts,
// test/resilience/rate-budget.test.ts; writes: test/upstream/write-once.test.ts).
export class Coalescer {
  private readonly inflight = new Map<string, Promise<unknown>>()

  get size (): number {
    return this.inflight.size
  }

  // The in-flight call for `key`, if any.
  get<T> (key: string): Promise<T> | undefined {
    return this.inflight.get(key) as Promise<T> | undefined
  }

  // Runs `fn` as the call for `key` until it settles.
  start<T> (key: string, fn: () => Promise<T>): Promise<T> {
    const promise = fn()
    this.inflight.set(key, promise)
    const forget = () => {
      if (this.inflight.get(key) === promise) this.inflight.delete(key)
    }
    promise.then(forget, forget)
    return promise
  }
}

// A stable key for an upstream request: method, path, sorted query, body. Headers are left out on
// purpose (the request id differs per caller; credentials are the provider's own). Built in one
// pass over the sorted names (it runs for every vendor call): the same text as encoding each
// `name=value[,value…]` and joining them with `&` (test/upstream/request-key.test.ts).
export function requestKey (
  method: string, path: string, query: Record<string, string | string[] | undefined> | undefined, body: unknown
): string {
  let q = ''
  if (query !== undefined) {
    // Names are strings: the default sort orders them by UTF-16 code units, as `<` does.
    for (const name of Object.keys(query).sort()) {
      const v = query[name]
      if (v === undefined) continue
      const value = Array.isArray(v)
        ? v.map((x) => encodeURIComponent(String(x))).join(',')
        : encodeURIComponent(String(v))
      q += `${q === '' ? '' : '&'}${encodeURIComponent(name)}=${value}`
    }
  }
  return `${method} ${path}?${q} ${body === undefined ? '' : JSON.stringify(body)}`
}
