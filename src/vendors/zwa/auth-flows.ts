import type { ZwaProviderConfigT } from '../../config/schema.ts'
import { GatewayError } from '../../errors/gateway-error.ts'
import type { UpstreamRequest, UpstreamResponse } from '../../upstream/http/upstream-client.ts'
import { retryAfterSeconds, translateStatus, vendorMessage } from '../../upstream/http/upstream-errors.ts'
import { scrub } from '../../upstream/scrub.ts'
import { obj } from '../../adapters/values.ts'
import { API_KEY_TOKEN_PATH } from './operations.ts'
import type { IssuedToken } from './token-manager.ts'
const DEFAULT_LIFETIME_S = 3600 // the Python SDK's assumption when expires_in is missing (reference §2.2)

export interface AuthFlowDeps {
  providerId: string
  now: () => number
  secrets: string[] // scrubbed from any vendor text
  // How the request goes out: the provider pipeline's unauthenticated path (rate budget, HTTP,
  // telemetry), to the API host (api_key) or to token_url (oneapi).
  send: (req: UpstreamRequest) => Promise<UpstreamResponse>
  capHint?: (seconds: number | undefined) => number | undefined // resilience.max_retry_after_s, as for every call
}

// One token request per call, in the configured mode. Secrets only ever travel in the request body
// (test/adapters/zwa/auth.test.ts).
export function tokenFetcher (auth: ZwaProviderConfigT['auth'], deps: AuthFlowDeps): () => Promise<IssuedToken> {
  const send = deps.send
  if (auth.mode === 'api_key') {
    // Native flow (reference §2.1): JSON body, 201 {token, token_type, expires_in}.
    return async () => readToken(await send({
      method: 'POST',
      path: API_KEY_TOKEN_PATH,
      body: { key_id: auth.key_id, key_secret: auth.key_secret }
    }), 'token', 'internalMessage', deps)
  }
  // OneAPI / ZIdentity client credentials (reference §2.2): form body to token_url.
  return async () => readToken(await send({
    method: 'POST',
    path: '',
    form: {
      grant_type: 'client_credentials',
      client_id: auth.client_id,
      client_secret: auth.client_secret,
      audience: auth.audience
    }
  }), 'access_token', 'error_description', deps)
}

function readToken (res: UpstreamResponse, tokenKey: string, messageKey: string, deps: AuthFlowDeps): IssuedToken {
  const id = deps.providerId
  if (res.status === 429) {
    const hint = retryAfterSeconds(res.headers, deps.now()) ?? 60
    throw translateStatus(id, 429, null, deps.capHint?.(hint) ?? hint)
  }
  // A refused key or client (or an OAuth 400 such as invalid_target) is a configuration problem.
  if (res.status === 400 || res.status === 401 || res.status === 403) {
    return authFailed(id, `Provider '${id}' token endpoint refused the gateway's credentials ` +
      `(HTTP ${res.status}); check the provider's auth configuration.`)
  }
  if (res.status < 200 || res.status >= 300) {
    throw translateStatus(id, res.status, scrub(vendorMessage(res.text, res.json, messageKey), deps.secrets))
  }
  const body = obj(res.json)
  const token = body?.[tokenKey]
  // Printable ASCII only: the token goes into a header (test/vendors/zwa-token.test.ts).
  if (typeof token !== 'string' || !/^[\x21-\x7e]{1,8192}$/.test(token)) {
    throw new GatewayError('upstream_error', `Provider '${id}' token endpoint answered without a usable token.`,
      { provider: id })
  }
  const expiresIn = body?.expires_in
  return {
    token,
    expiresInSeconds: typeof expiresIn === 'number' && Number.isFinite(expiresIn) && expiresIn > 0
      ? expiresIn
      : DEFAULT_LIFETIME_S
  }
}

function authFailed (providerId: string, detail: string): never {
  throw new GatewayError('upstream_auth_failed', detail, { provider: providerId })
}
