import { sha256 } from '../util/hash.ts'
import { TokenSigner } from '../util/token-signer.ts'
import { GatewayError } from '../errors/gateway-error.ts'
import type { NativePosition } from '../adapters/types.ts'

// The list cursor of spec section 5: "v1." + base64url(JSON payload) + "." + base64url(HMAC).
// It carries each provider's native position, the walk's pinned upper time bound and a digest
// of the filters, so it can be neither forged nor replayed with other filters.
export const CURSOR_VERSION = 'v1'
const MAX_CURSOR_LENGTH = 8192

// `null` = not started, an object = resume there, 'done' = that provider is finished.
export type ProviderCursorState = NativePosition | null | 'done'

export interface CursorPayload {
  pin: string
  fd: string
  pos: Record<string, ProviderCursorState>
  last?: [micros: string, provider: string, native: string] // the last incident returned (merge order)
}

const OPEN_FAILURE = {
  malformed: 'it is malformed', signature: 'its signature does not match', corrupt: 'it is corrupt'
} as const

const invalid = (why: string, fix = 'Start the listing again without a cursor.') =>
  new GatewayError('invalid_cursor', `The cursor is not valid: ${why}. ${fix}`)

export class CursorCodec {
  private readonly signer: TokenSigner

  // Signs with `secret`; during a key rotation cursors signed with a previous secret still verify.
  constructor (secret: string, previousSecrets: string[] = []) {
    this.signer = new TokenSigner('cursor', CURSOR_VERSION, secret, previousSecrets)
  }

  encode (payload: CursorPayload): string {
    return this.signer.seal(payload)
  }

  decode (cursor: string, filterDigest: string): CursorPayload {
    if (cursor.length > MAX_CURSOR_LENGTH) throw invalid('it is too long')
    const opened = this.signer.open(cursor)
    if (!opened.ok) {
      if (opened.why === 'version') throw invalid(`version '${cursor.split('.')[0].slice(0, 8)}' is not supported`)
      throw invalid(OPEN_FAILURE[opened.why])
    }
    const payload = opened.payload as CursorPayload
    if (!payload || typeof payload.pin !== 'string' || typeof payload.fd !== 'string' ||
      typeof payload.pos !== 'object' || payload.pos === null) {
      throw invalid('it is corrupt')
    }
    const last = payload.last
    if (last !== undefined && !(Array.isArray(last) && last.length === 3 && /^-?\d{1,20}$/.test(String(last[0])) &&
      typeof last[1] === 'string' && typeof last[2] === 'string')) {
      throw invalid('it is corrupt')
    }
    if (payload.fd !== filterDigest) {
      throw invalid('it was issued for different filters or providers',
        'Repeat the same filters and providers as the request that returned this cursor ' +
        '(only limit and include may change).')
    }
    return payload
  }
}

// A stable digest of everything that decides which incidents a walk returns.
export function filterDigest (filters: Record<string, unknown>): string {
  const canonical = JSON.stringify(Object.keys(filters).sort().map((k) => [k, filters[k]]))
  return sha256(canonical).toString('base64url').slice(0, 22)
}
