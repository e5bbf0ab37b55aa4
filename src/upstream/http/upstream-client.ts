import { Pool, type Dispatcher } from 'undici'
import { parseJsonLossless } from './lossless-json.ts'
import { translateNetworkError } from './upstream-errors.ts'

export interface UpstreamClientOptions {
  providerId: string
  baseUrl: string // may carry a path prefix, e.g. https://api.cloudlock.com/api/v2
  timeouts: { connect_ms: number, headers_ms: number, body_ms: number }
  maxConnections: number
  dispatcher?: Dispatcher
  maxResponseBytes?: number
}

export interface UpstreamRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE'
  path: string // appended to the base URL's path; ids must already be encoded
  query?: Record<string, string | string[] | undefined>
  body?: unknown
  form?: Record<string, string> // application/x-www-form-urlencoded body instead of JSON
  headers?: Record<string, string>
  signal?: AbortSignal
}

export interface UpstreamResponse {
  status: number
  headers: Record<string, string | string[] | undefined>
  text: string
  json: unknown // undefined when the body is not JSON
}

// One keep-alive pool per provider instance. Returns every HTTP status to the caller (adapters
// know the vendor's error bodies); turns transport failures into gateway errors by undici code.
export class UpstreamClient {
  readonly providerId: string
  readonly origin: string
  readonly basePath: string
  private readonly dispatcher: Dispatcher
  private readonly ownsDispatcher: boolean

  constructor (opts: UpstreamClientOptions) {
    const url = new URL(opts.baseUrl)
    this.providerId = opts.providerId
    this.origin = url.origin
    this.basePath = url.pathname.replace(/\/+$/, '')
    this.ownsDispatcher = !opts.dispatcher
    this.dispatcher = opts.dispatcher ?? new Pool(url.origin, {
      connections: opts.maxConnections,
      connect: { timeout: opts.timeouts.connect_ms },
      headersTimeout: opts.timeouts.headers_ms,
      bodyTimeout: opts.timeouts.body_ms,
      keepAliveTimeout: 10_000,
      maxResponseSize: opts.maxResponseBytes ?? 32 * 1024 * 1024
    })
  }

  async request (req: UpstreamRequest): Promise<UpstreamResponse> {
    const search = new URLSearchParams()
    for (const [key, value] of Object.entries(req.query ?? {})) {
      if (value === undefined) continue
      for (const v of Array.isArray(value) ? value : [value]) search.append(key, v)
    }
    const qs = search.toString()
    const headers: Record<string, string> = { accept: 'application/json', ...req.headers }
    let body: string | undefined
    if (req.form) {
      body = new URLSearchParams(req.form).toString()
      headers['content-type'] = 'application/x-www-form-urlencoded'
    } else if (req.body !== undefined) {
      body = JSON.stringify(req.body)
      headers['content-type'] = 'application/json'
    }
    try {
      const res = await this.dispatcher.request({
        origin: this.origin,
        method: req.method,
        path: `${this.basePath}${req.path}${qs ? `?${qs}` : ''}`,
        headers,
        body,
        signal: req.signal
      })
      const text = await res.body.text()
      const type = String(res.headers['content-type'] ?? '')
      let json: unknown
      if (text.length > 0 && (type.includes('json') || /^\s*[[{]/.test(text))) {
        try {
          json = parseJsonLossless(text)
        } catch {
          json = undefined
        }
      }
      return { status: res.statusCode, headers: res.headers, text, json }
    } catch (err) {
      throw translateNetworkError(this.providerId, err)
    }
  }

  async close (): Promise<void> {
    if (this.ownsDispatcher) await this.dispatcher.close()
  }
}
