import { lookup as dnsLookup, type LookupAddress } from 'node:dns'
import { Agent, buildConnector } from 'undici'
import { classifyAddress, RULE_TEXT } from './address-policy.ts'

// The undici Agent webhook deliveries go through. Unless private networks are allowed, every
// connection is checked twice on the address itself, not the name: the resolver's answers are
// filtered before a socket is opened (a name resolving to 127.0.0.1 is never connected to), and the
// connected socket's remote address is checked again (IP literals, which skip the resolver, and
// anything else that reaches a socket). A name that resolved to a public address when the webhook
// was made and to a private one now (DNS rebinding) is therefore refused at delivery time.

export type LookupFn = (hostname: string, options: { all: true, family?: number },
  callback: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void) => void

export class ForbiddenAddressError extends Error {
  readonly code = 'WEBHOOK_ADDRESS_FORBIDDEN'
}

const forbidden = (address: string, rule: string) =>
  new ForbiddenAddressError(`the receiver's address ${address} is ${rule}; private networks are not allowed`)

const systemLookup: LookupFn = (hostname, options, callback) => dnsLookup(hostname, options, callback)

export interface SafeAgentOptions {
  allowPrivate: boolean
  connectTimeoutMs: number
  lookup?: LookupFn // tests: a resolver that answers what they need (DNS rebinding)
}

export function createSafeAgent (opts: SafeAgentOptions): Agent {
  const resolve = opts.lookup ?? systemLookup
  // net.connect calls this with { all: true } when it tries several addresses, and without otherwise.
  const lookup = (hostname: string, options: { all?: boolean, family?: number },
    callback: (err: Error | null, address: string | LookupAddress[], family?: number) => void) => {
    resolve(hostname, { all: true, family: options.family }, (err, addresses) => {
      if (err) return callback(err, '')
      const allowed = opts.allowPrivate ? addresses : addresses.filter((a) => classifyAddress(a.address) === null)
      if (allowed.length === 0) {
        const first = addresses[0]
        const rule = first ? classifyAddress(first.address) : null
        return callback(first ? forbidden(first.address, rule ? RULE_TEXT[rule] : 'not allowed') : err!, '')
      }
      if (options.all) return callback(null, allowed)
      callback(null, allowed[0].address, allowed[0].family)
    })
  }
  const connector = buildConnector({ timeout: opts.connectTimeoutMs, lookup } as buildConnector.BuildOptions)
  const connect: buildConnector.connector = (options, callback) => {
    connector(options, (err, socket) => {
      if (err || !socket) return callback(err ?? new Error('no socket'), null)
      const address = socket.remoteAddress ?? ''
      const rule = opts.allowPrivate ? null : classifyAddress(address)
      if (rule !== null) {
        socket.destroy()
        return callback(forbidden(address, RULE_TEXT[rule]), null)
      }
      callback(null, socket)
    })
  }
  // One connection per receiver is enough for in-order delivery; a few allow parallel incidents.
  return new Agent({ connect, connections: 8, keepAliveTimeout: 4_000, keepAliveMaxTimeout: 30_000 })
}
