import { GatewayError } from '../errors/gateway-error.ts'
import { sha256 } from '../util/hash.ts'
import { TokenSigner } from '../util/token-signer.ts'

// The `next` token of GET /v1/changes: the feed position, the store it belongs to and a digest of
// the provider set it was issued for, sealed with the cursor secret under its own key purpose.
// A forged, corrupt or re-targeted token is 400 invalid_cursor; a token of another store (the
// embedded in-memory store restarted, a new database), or one whose position the store no longer
// holds as the reader saw it (src/mirror/change-feed.ts), is 410
// change_token_expired (test/mirror/change-token.test.ts).
export const CHANGE_TOKEN_VERSION = 'c1'
const MAX_TOKEN_LENGTH = 1024

export interface ChangePosition {
  store: string // store_meta.store_id
  seq: number // every change with seq <= this one has been handed out
  mark?: string // fingerprint of the change at seq (src/mirror/change-feed.ts), checked on read
  providers: string // providerSetDigest of the caller's provider set
}

export const providerSetDigest = (providers: string[]): string =>
  sha256(JSON.stringify([...providers].sort())).toString('base64url').slice(0, 16)

const invalid = (why: string, fix = 'Use the `next` token of the previous answer unchanged, with the same ' +
  '`provider` parameter, or start without `after`.') =>
  new GatewayError('invalid_cursor', `The change token is not valid: ${why}. ${fix}`, {
    errors: [{ path: '/query/after', message: why }]
  })

export class ChangeTokenCodec {
  private readonly signer: TokenSigner

  constructor (secret: string, previousSecrets: string[] = []) {
    this.signer = new TokenSigner('change token', CHANGE_TOKEN_VERSION, secret, previousSecrets)
  }

  encode (position: ChangePosition): string {
    return this.signer.seal({ st: position.store, s: position.seq, pd: position.providers, m: position.mark })
  }

  decode (token: string, expected: { store: string, providers: string }): ChangePosition {
    if (token.length > MAX_TOKEN_LENGTH) throw invalid('it is too long')
    const opened = this.signer.open(token)
    if (!opened.ok) {
      // Spelled out per reason: `it is ${why}` read "it is version" for a token of another version.
      const version = token.split('.')[0].slice(0, 8)
      throw invalid(opened.why === 'signature'
        ? 'its signature does not match'
        : opened.why === 'version' ? `its version '${version}' is not supported` : `it is ${opened.why}`)
    }
    const p = opened.payload as { st?: unknown, s?: unknown, pd?: unknown, m?: unknown }
    const validSeq = Number.isSafeInteger(p?.s) && (p.s as number) >= 0
    if (!p || typeof p.st !== 'string' || typeof p.pd !== 'string' || !validSeq) {
      throw invalid('it is corrupt')
    }
    if (p.pd !== expected.providers) {
      throw invalid('it was issued for a different set of providers',
        'Repeat the `provider` parameter of the request that returned it (the key\'s providers must not have changed).')
    }
    if (p.st !== expected.store) {
      throw new GatewayError('change_token_expired', 'The change token belongs to a change store that no longer ' +
        'exists (the store was replaced or reset). Start again from a list walk (GET /v1/incidents), then ' +
        'read GET /v1/changes without `after`.')
    }
    return { store: p.st, seq: p.s as number, providers: p.pd, mark: typeof p.m === 'string' ? p.m : undefined }
  }
}
