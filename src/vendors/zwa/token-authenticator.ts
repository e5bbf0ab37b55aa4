import type { ZwaProviderConfigT } from '../../config/schema.ts'
import { bearerCredential, type Authenticator } from '../../upstream/authenticator.ts'
import { sha256Hex } from '../../util/hash.ts'
import { UpstreamClient } from '../../upstream/http/upstream-client.ts'
import type { UpstreamDeps } from '../../upstream/create-pipeline.ts'
import type { UpstreamPipeline } from '../../upstream/pipeline.ts'
import { tokenFetcher } from './auth-flows.ts'
import { ZWA_TOKEN_OPERATIONS } from './operations.ts'
import { TokenManager } from './token-manager.ts'

// ZWA's authentication stage: bearer tokens from the API-key or OneAPI flow, cached, shared by
// replicas through the shared store, refreshed before they expire and replaced once when the
// vendor refuses one (src/vendors/zwa/token-manager.ts). Token requests go out through the
// provider's pipeline (token rate budget, telemetry), not through a caller of their own.
export function zwaAuthenticator (config: ZwaProviderConfigT, pipeline: UpstreamPipeline, api: UpstreamClient,
  deps: UpstreamDeps): Authenticator & { close: () => Promise<void> } {
  const id = config.id
  const now = deps.now ?? Date.now
  const secrets = config.auth.mode === 'api_key' ? [config.auth.key_secret] : [config.auth.client_secret]
  // OneAPI tokens come from ZIdentity, another host: its own small pool, and a path of ''.
  const oneApi = config.auth.mode === 'oneapi'
  const tokenHost = config.auth.mode === 'oneapi'
    ? new UpstreamClient({
      providerId: id,
      baseUrl: config.auth.token_url,
      timeouts: config.timeouts,
      maxConnections: 2,
      dispatcher: deps.dispatcher
    })
    : api
  const tokenOp = oneApi ? { ...ZWA_TOKEN_OPERATIONS.token, path: '' } : ZWA_TOKEN_OPERATIONS.token
  const fetchToken = tokenFetcher(config.auth, {
    providerId: id,
    now,
    secrets,
    // Its failures reach the incident call that needed the token, which retries or reports them.
    send: (req) => pipeline.sendUnauthenticated(tokenOp, tokenHost, req),
    capHint: (seconds) => pipeline.capHint(seconds)
  })
  const clientId = config.auth.mode === 'api_key' ? config.auth.key_id : config.auth.client_id
  const tokens = new TokenManager({
    providerId: id,
    now,
    shared: deps.sharedStore,
    // One token per credential and upstream; the key holds no secret.
    sharedKey: `zwa-token:${sha256Hex(`${id}\n${config.base_url}\n${clientId}`)}`,
    // The store failed and the token endpoint is used instead: logged (throttled) and counted
    // by the app's reporter, like every shared-store failure (test/vendors/zwa-token.test.ts).
    onStoreError: (operation, err) => deps.reportStoreError?.('token', operation, err),
    // Logs say that a token was issued and for how long, never the token or the secret
    // (test/adapters/zwa/auth.test.ts, "logs never hold the token or the secret").
    fetchToken: async () => {
      const issued = await fetchToken()
      deps.logger?.debug({ provider: id, auth: config.auth.mode, expiresIn: issued.expiresInSeconds },
        'upstream token issued')
      return issued
    }
  })
  return {
    authorize: async () => bearerCredential(await tokens.get()),
    refused (credential) {
      // Not awaited: the manager never hands the refused token out again, whenever the shared
      // store's delete lands (test/adapters/zwa/reauth-race.test.ts).
      tokens.invalidate(credential.secret).catch(() => {}) // store errors are reported by the manager
      return true
    },
    secrets: () => secrets,
    close: async () => { if (tokenHost !== api) await tokenHost.close() }
  }
}
