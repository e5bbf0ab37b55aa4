import autocannon from 'autocannon'

export interface LoadResult {
  requests: number
  rps: number
  p50: number
  p99: number
  errors: number
  non2xx: number
}

// Runs autocannon against one URL and keeps the figures the report needs.
export async function load (url: string, opts: { connections?: number, duration?: number, amount?: number, headers?: Record<string, string>, paths?: string[] } = {}): Promise<LoadResult> {
  // With `paths`, each request takes the next path in turn (distinct resources, no coalescing).
  let next = 0
  const paths = opts.paths
  const result = await autocannon({
    url,
    requests: paths ? [{ setupRequest: (req: any) => ({ ...req, path: paths[next++ % paths.length] }) }] : undefined,
    connections: opts.connections ?? 16,
    duration: opts.amount ? undefined : (opts.duration ?? 10),
    amount: opts.amount,
    headers: opts.headers,
    pipelining: 1
  })
  return {
    requests: result.requests.total,
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors,
    non2xx: result.non2xx
  }
}
