// How a provider's requests are authorized: the pipeline's authentication stage. It is the only
// code that holds or compares credentials.
export interface Credential {
  headers: Record<string, string>
  secret: string // scrubbed from any vendor text echoed to a client (test/upstream/pipeline.test.ts)
}

export interface Authenticator {
  // The credential for one request; waits for a token request when one is needed. A failure here
  // happened before the caller's own request was sent.
  authorize (signal: AbortSignal): Promise<Credential>
  // The vendor refused `credential` (401/403). True when a new one may be fetched: the request is
  // then sent once more with it; false when the refusal is final (a static token).
  refused (credential: Credential): boolean
  secrets (): readonly string[] // configured secrets, never echoed back (test/adapters/zwa/errors.test.ts)
}

// A static bearer token (Cloudlock): nothing to refresh, so a refusal is final.
export const bearerCredential = (token: string): Credential =>
  ({ headers: { authorization: `Bearer ${token}` }, secret: token })

export function staticBearer (token: string): Authenticator {
  const credential = bearerCredential(token)
  return {
    authorize: () => Promise.resolve(credential),
    refused: () => false,
    secrets: () => [token]
  }
}
