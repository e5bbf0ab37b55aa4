import type { UpstreamClient, UpstreamRequest, UpstreamResponse } from '../../upstream/http/upstream-client.ts'
import { beforeSending, retryAfterSeconds, translateStatus, vendorMessage } from '../../upstream/http/upstream-errors.ts'
import { requestKey } from '../../upstream/resilience/coalescer.ts'
import { raceAbort } from '../../upstream/resilience/deadline.ts'
import type { Attempt, UpstreamGuard } from '../../upstream/resilience/upstream-guard.ts'
import type { CallOptions } from '../../adapters/types.ts'
import { zwaOperation } from './operations.ts'
import type { TokenManager } from './token-manager.ts'
import { scrub } from '../../adapters/values.ts'

export interface CallerDeps {
  providerId: string
  client: UpstreamClient
  tokens: TokenManager
  guard: UpstreamGuard
  prefix: string // the configured path prefix, e.g. /dlp/v1
  now: () => number
  secrets: string[] // configured secrets, never echoed back in an error
}

// One incident-API exchange whose 2xx body must be JSON that `read` understands. `sent` hears of
// every request actually made (a replay or a retry included) so listPage can count its upstream
// calls exactly.
export type ZwaCall = <T>(req: UpstreamRequest, opts: CallOptions, read: (body: unknown) => T, sent?: () => void) => Promise<T>

// Bearer-token calls through the provider's guard (retries, breaker, rate budget, coalescing).
// A 401/403 means the token was refused (expired early, revoked): drop it, fetch one new token and
// replay once within the same attempt; a second refusal is upstream_auth_failed (spec §6).
// Vendor error texts are echoed into problem details, so credentials are scrubbed from them.
// The guard records health for the whole exchange, so a 200 with a broken body counts as a failure.
export function createCaller (deps: CallerDeps): ZwaCall {
  const { providerId, client, tokens, guard } = deps

  return async function call<T> (req: UpstreamRequest, opts: CallOptions, read: (body: unknown) => T, sent?: () => void): Promise<T> {
    const op = zwaOperation(req.method, req.path.slice(deps.prefix.length))
    const spec = { ...op, key: op.idempotent && !opts.fresh ? requestKey(req.method, req.path, req.query, req.body) : undefined }

    const send = (attempt: Attempt, token: string): Promise<UpstreamResponse> => attempt.exchange(op.cls, (signal) => {
      sent?.()
      const headers: Record<string, string> = { authorization: `Bearer ${token}`, 'user-agent': 'dlp-incident-gateway/1' }
      if (opts.requestId) headers['x-request-id'] = opts.requestId
      return client.request({ ...req, headers: { ...headers, ...req.headers }, signal })
    })

    // The token request is shared by concurrent callers; each stops waiting at its own deadline.
    // Its failure happened before this call's own request was sent.
    const token = (attempt: Attempt) => raceAbort(tokens.get(), attempt.signal, providerId).catch((err: unknown) => { throw beforeSending(err) })

    return guard.run(spec, { signal: req.signal ?? opts.signal, deadline: opts.deadline }, async (attempt) => {
      let bearer = await token(attempt)
      let res = await send(attempt, bearer)
      if (res.status === 401 || res.status === 403) {
        // Not awaited: the manager never hands the refused token out again, whenever the shared
        // store's delete lands.
        tokens.invalidate(bearer)
        bearer = await token(attempt)
        res = await send(attempt, bearer)
      }
      if (res.status < 200 || res.status >= 300) {
        throw translateStatus(providerId, res.status, scrub(vendorMessage(res.text, res.json, 'internalMessage'), [...deps.secrets, bearer]), guard.capHint(retryAfterSeconds(res.headers, deps.now())))
      }
      return read(client.expectJson(res))
    })
  }
}
