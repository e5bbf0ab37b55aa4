import { isIP } from 'node:net'
import { GatewayError } from '../errors/gateway-error.ts'
import { classifyAddress, RULE_TEXT } from './address-policy.ts'

export const MAX_URL_LENGTH = 2048

// The rules a webhook URL must keep, checked when it is set (a 400 naming the rule). The address a
// name resolves to is checked again at every connection (src/webhooks/safe-agent.ts): a name is not
// resolved here, since what it resolves to now says nothing about delivery time.
export function urlProblem (text: string, allowPrivate: boolean): string | null {
  if (text.length > MAX_URL_LENGTH) return `must be at most ${MAX_URL_LENGTH} characters`
  let url: URL
  try {
    url = new URL(text)
  } catch {
    return 'must be an absolute URL'
  }
  if (url.protocol !== 'https:' && !(allowPrivate && url.protocol === 'http:')) {
    return allowPrivate ? 'must use https or http' : 'must use https'
  }
  if (url.username !== '' || url.password !== '') return 'must not contain credentials (user:password@)'
  if (url.hash !== '' || text.includes('#')) return 'must not contain a fragment (#)'
  if (allowPrivate) return null
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase()
  if (isIP(host) !== 0) {
    const rule = classifyAddress(host)
    return rule ? `must not point to ${RULE_TEXT[rule]}` : null
  }
  if (host === 'localhost' || host.endsWith('.localhost') || !host.includes('.')) {
    return 'must name a public host (not localhost or a single-label name)'
  }
  return null
}

export function checkWebhookUrl (text: string, allowPrivate: boolean, path = '/body/url'): void {
  const problem = urlProblem(text, allowPrivate)
  if (problem === null) return
  throw new GatewayError('validation_failed', `The webhook URL ${problem}.`, { errors: [{ path, message: problem }] })
}
