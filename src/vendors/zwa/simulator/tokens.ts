// Bearer tokens: opaque random strings with an expiry on the simulator's clock.
import { randomBytes } from 'node:crypto'
import type { Clock } from '../../../sim-kit/clock.ts'

export type TokenKind = 'api-key' | 'oneapi'

export interface Grant {
  identity: string // who the token stands for: "api-key:<key_id>" or "oneapi:<client_id>"
  kind: TokenKind
  expiresAt: number
}

export type Verdict = { ok: true, grant: Grant } | { ok: false, reason: 'invalid' | 'expired' }

export class TokenStore {
  readonly #clock: Clock
  #grants = new Map<string, Grant>()

  constructor (clock: Clock) {
    this.#clock = clock
  }

  issue (identity: string, kind: TokenKind, ttlSeconds: number): string {
    const now = this.#clock()
    for (const [token, grant] of this.#grants) if (grant.expiresAt <= now) this.#grants.delete(token)
    const token = randomBytes(32).toString('base64url')
    this.#grants.set(token, { identity, kind, expiresAt: now + ttlSeconds * 1000 })
    return token
  }

  verify (token: string): Verdict {
    const grant = this.#grants.get(token)
    if (grant === undefined) return { ok: false, reason: 'invalid' }
    if (grant.expiresAt <= this.#clock()) return { ok: false, reason: 'expired' }
    return { ok: true, grant }
  }
}
