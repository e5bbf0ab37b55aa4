import diagnosticsChannel from 'node:diagnostics_channel'
import type { UpstreamResolver, UpstreamTarget } from './upstream-targets.ts'

// undici publishes every request's lifecycle on diagnostics channels (undici
// docs/api/DiagnosticsChannel.md); the same `request` object travels through all of them. This
// follows the requests bound for configured providers without wrapping any dispatcher.

export interface UndiciRequest {
  origin: string | URL
  method: string
  path: string
  headers: unknown // flat [name, value, ...] array
  addHeader: (name: string, value: string) => unknown
}

export interface UpstreamObserver<S> {
  // Runs synchronously where the request is created, normally in the caller's async context.
  // Returning undefined leaves the request alone.
  start: (request: UndiciRequest, target: UpstreamTarget) => S | undefined
  headers?: (state: S, statusCode: number) => void
  // After the whole response body (error undefined) or on failure.
  end: (state: S, statusCode: number | undefined, error: unknown) => void
}

interface Tracked<S> {
  state: S
  status: number | undefined
}

const CHANNELS = ['undici:request:create', 'undici:request:headers', 'undici:request:trailers', 'undici:request:error'] as const

// Subscribes and returns the unsubscribe function. Subscribers run inside undici: they never throw.
export function observeUpstream<S> (resolve: UpstreamResolver, observer: UpstreamObserver<S>, onBug?: (err: unknown) => void): () => void {
  const inFlight = new WeakMap<object, Tracked<S>>()
  const guard = <M>(fn: (message: M) => void) => (message: unknown) => {
    try {
      fn(message as M)
    } catch (err) {
      onBug?.(err)
    }
  }

  const onCreate = guard(({ request }: { request: UndiciRequest }) => {
    const target = resolve(String(request.origin), request.method, request.path, request.headers)
    if (!target) return
    const state = observer.start(request, target)
    if (state !== undefined) inFlight.set(request, { state, status: undefined })
  })
  const onHeaders = guard(({ request, response }: { request: object, response: { statusCode: number } }) => {
    const tracked = inFlight.get(request)
    if (!tracked) return
    tracked.status = response.statusCode
    observer.headers?.(tracked.state, response.statusCode)
  })
  const onTrailers = guard(({ request }: { request: object }) => {
    const tracked = inFlight.get(request)
    if (!tracked) return
    inFlight.delete(request)
    observer.end(tracked.state, tracked.status, undefined)
  })
  const onError = guard(({ request, error }: { request: object, error: unknown }) => {
    const tracked = inFlight.get(request)
    if (!tracked) return
    inFlight.delete(request)
    observer.end(tracked.state, tracked.status, error ?? new Error('request failed'))
  })

  const handlers = [onCreate, onHeaders, onTrailers, onError]
  CHANNELS.forEach((name, i) => diagnosticsChannel.subscribe(name, handlers[i]))
  return () => CHANNELS.forEach((name, i) => diagnosticsChannel.unsubscribe(name, handlers[i]))
}
