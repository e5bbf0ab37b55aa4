import { randomBytes } from 'node:crypto'
import { Webhook } from 'standardwebhooks'

// Standard Webhooks signing (https://www.standardwebhooks.com): the reference implementation signs,
// so every receiver using one of the specification's libraries verifies. A secret is 32 random
// bytes in the `whsec_<base64>` form those libraries accept.

export interface StoredSecret {
  secret: string
  expires_at: string | null // an old secret still signs until then (rotation overlap)
  rotated_at?: string // set on a secret that replaced another
}

export const newSecret = (): string => `whsec_${randomBytes(32).toString('base64')}`

// The secrets that sign at `now`, newest first.
export const signingSecrets = (secrets: StoredSecret[], now: number): StoredSecret[] =>
  secrets.filter((s) => s.expires_at === null || Date.parse(s.expires_at) > now)

// The three headers of one attempt. Several secrets give several space-separated `v1,` signatures,
// any of which a receiver accepts: during a rotation both the old and the new secret verify.
export function signedHeaders (secrets: StoredSecret[], msgId: string, at: Date, body: string): Record<string, string> {
  const signatures = secrets.map((s) => new Webhook(s.secret).sign(msgId, at, body))
  return {
    'webhook-id': msgId,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': signatures.join(' ')
  }
}
