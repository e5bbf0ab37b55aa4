import type { CallPurpose } from './call-options.ts'

// Metrics and traces of vendor exchanges, labelled at the source: the pipeline knows the provider,
// the operation and the purpose of every request it sends, so observers never parse URLs or look
// at credentials to find out (test/upstream/pipeline.test.ts, test/observability/metrics.test.ts).
export interface ExchangeInfo {
  provider: string
  providerType: string
  operation: string
  purpose: CallPurpose // a token request is 'interactive' (src/upstream/pipeline.ts)
  method: string
  origin: string // scheme://host:port
  path: string // without the query string
}

// What an observer keeps for one exchange: called once when it ends, with the HTTP status (when
// headers arrived) and the transport error (when it failed).
export type ExchangeEnd = (status: number | undefined, error: unknown) => void

export interface ExchangeObserver {
  // Runs synchronously before the request is sent, in the caller's async context; `setHeader` adds
  // a header to the outgoing request (trace propagation).
  start (info: ExchangeInfo, setHeader: (name: string, value: string) => void): ExchangeEnd | undefined
}

// The observers of one app (metrics, tracing), shared by every provider's pipeline.
export class UpstreamTelemetry {
  private readonly observers: ExchangeObserver[] = []

  observe (observer: ExchangeObserver): () => void {
    this.observers.push(observer)
    return () => {
      const i = this.observers.indexOf(observer)
      if (i !== -1) this.observers.splice(i, 1)
    }
  }

  get active (): boolean {
    return this.observers.length > 0
  }

  // An observer's bug must never fail a vendor call: it is reported and the call goes on
  // (test/upstream/pipeline.test.ts).
  start (info: ExchangeInfo, headers: Record<string, string>, onBug: (err: unknown) => void): ExchangeEnd[] {
    const ends: ExchangeEnd[] = []
    for (const o of this.observers) {
      try {
        const end = o.start(info, (name, value) => { headers[name] = value })
        if (end) ends.push(end)
      } catch (err) {
        onBug(err)
      }
    }
    return ends
  }
}
