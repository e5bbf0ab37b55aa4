import { createHmac, timingSafeEqual } from 'node:crypto'
import { sha256 } from '../util/hash.ts'
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

const invalid = (why: string, fix = 'Start the listing again without a cursor.') =>
  new GatewayError('invalid_cursor', `The cursor is not valid: ${why}. ${fix}`)

const deriveKey = (secret: string) => sha256(`dlp-gateway cursor ${secret}`)

export class CursorCodec {
  private readonly key: Buffer
  private readonly verifyKeys: Buffer[]

  // Signs with `secret`; during a key rotation cursors signed with a previous secret still verify.
  constructor (secret: string, previousSecrets: string[] = []) {
    this.key = deriveKey(secret)
    this.verifyKeys = [this.key, ...previousSecrets.map(deriveKey)]
  }

  private sign (body: string, key = this.key): Buffer {
    return createHmac('sha256', key).update(`${CURSOR_VERSION}.${body}`).digest()
  }

  encode (payload: CursorPayload): string {
    const body = Buffer.from(JSON.stringify(payload)).toString('base64url')
    return `${CURSOR_VERSION}.${body}.${this.sign(body).toString('base64url')}`
  }

  decode (cursor: string, filterDigest: string): CursorPayload {
    if (cursor.length > MAX_CURSOR_LENGTH) throw invalid('it is too long')
    const parts = cursor.split('.')
    if (parts.length !== 3) throw invalid('it is malformed')
    const [version, body, mac] = parts
    if (version !== CURSOR_VERSION) throw invalid(`version '${version.slice(0, 8)}' is not supported`)
    const given = Buffer.from(mac, 'base64url')
    const valid = this.verifyKeys.some((key) => {
      const expected = this.sign(body, key)
      return given.length === expected.length && timingSafeEqual(given, expected)
    })
    if (!valid) throw invalid('its signature does not match')
    let payload: CursorPayload
    try {
      payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'))
    } catch {
      throw invalid('it is corrupt')
    }
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
