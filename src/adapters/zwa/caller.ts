import type { UpstreamClient, UpstreamRequest, UpstreamResponse } from '../http/upstream-client.ts'
import { retryAfterSeconds, translateStatus, vendorMessage } from '../http/upstream-errors.ts'
import type { HealthTracker } from '../health-tracker.ts'
import type { CallOptions } from '../types.ts'
import type { TokenManager } from './token-manager.ts'
import { scrub } from './values.ts'

export interface CallerDeps {
  providerId: string
  client: UpstreamClient
  tokens: TokenManager
  health: HealthTracker
  now: () => number
  secrets: string[] // configured secrets, never echoed back in an error
}

// One incident-API exchange whose 2xx body must be JSON that `read` understands. `sent` hears of
// every request actually made (a replay included) so listPage can count its upstream calls exactly.
export type ZwaCall = <T>(req: UpstreamRequest, opts: CallOptions, read: (body: unknown) => T, sent?: () => void) => Promise<T>

// Bearer-token calls. A 401/403 means the token was refused (expired early, revoked): drop it,
// fetch one new token and replay once; a second refusal is upstream_auth_failed (spec §6).
// Vendor error texts are echoed into problem details, so credentials are scrubbed from them.
// Health records the whole exchange, so a 200 with a broken body counts as the failure it is.
export function createCaller (deps: CallerDeps): ZwaCall {
  const { providerId, client, tokens, health } = deps

  const send = (req: UpstreamRequest, token: string, opts: CallOptions): Promise<UpstreamResponse> => {
    const headers: Record<string, string> = { authorization: `Bearer ${token}`, 'user-agent': 'dlp-incident-gateway/1' }
    if (opts.requestId) headers['x-request-id'] = opts.requestId
    return client.request({ ...req, headers: { ...headers, ...req.headers }, signal: req.signal ?? opts.signal })
  }

  return async function call<T> (req: UpstreamRequest, opts: CallOptions, read: (body: unknown) => T, sent?: () => void): Promise<T> {
    try {
      let token = await tokens.get()
      sent?.()
      let res = await send(req, token, opts)
      if (res.status === 401 || res.status === 403) {
        tokens.invalidate(token)
        token = await tokens.get()
        sent?.()
        res = await send(req, token, opts)
      }
      if (res.status < 200 || res.status >= 300) {
        throw translateStatus(providerId, res.status, scrub(vendorMessage(res.text, res.json, 'internalMessage'), [...deps.secrets, token]), retryAfterSeconds(res.headers, deps.now()))
      }
      const value = read(client.expectJson(res))
      health.success()
      return value
    } catch (err) {
      health.failure(err)
      throw err
    }
  }
}
