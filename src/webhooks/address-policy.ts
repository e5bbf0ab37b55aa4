import { isIP } from 'node:net'

// Which IP addresses a webhook may connect to (spec section 10, SSRF). Returns the rule an address
// breaks, or null when it is a public unicast address. Checked on the address actually connected to
// (src/webhooks/safe-agent.ts), so a name that resolves to a public address when the webhook is made
// and to 127.0.0.1 at delivery time (DNS rebinding) is still refused. Addresses that embed an IPv4
// address (IPv4-mapped, IPv4-compatible, NAT64, 6to4) are judged by the IPv4 address inside: those
// are the ones a packet ends up at. (test/webhooks/address-policy.test.ts)

export type AddressRule = 'unspecified' | 'loopback' | 'private' | 'link_local' | 'metadata' | 'multicast' |
  'reserved' | 'documentation' | 'shared' | 'invalid'

interface Range { base: bigint, bits: number, width: number, rule: AddressRule }

const v4 = (text: string): bigint => text.split('.').reduce((n, part) => (n << 8n) | BigInt(Number(part)), 0n)

const V4_RANGES: Range[] = [
  ['0.0.0.0', 8, 'unspecified'], // "this network"; 0.0.0.0 connects to the local host on most systems
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'shared'], // carrier-grade NAT
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.169.254', 32, 'metadata'], // cloud instance metadata (before its link-local range)
  ['169.254.0.0', 16, 'link_local'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'reserved'], // IETF protocol assignments (incl. 192.0.0.192 Oracle metadata)
  ['192.0.2.0', 24, 'documentation'],
  ['192.88.99.0', 24, 'reserved'], // 6to4 relay anycast
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'reserved'], // benchmarking
  ['198.51.100.0', 24, 'documentation'],
  ['203.0.113.0', 24, 'documentation'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved'] // incl. 255.255.255.255
].map(([base, bits, rule]) =>
  ({ base: v4(base as string), bits: bits as number, width: 32, rule: rule as AddressRule }))

function inRange (value: bigint, range: Range): boolean {
  const shift = BigInt(range.width - range.bits)
  return (value >> shift) === (range.base >> shift)
}

function classifyV4 (value: bigint): AddressRule | null {
  for (const range of V4_RANGES) if (inRange(value, range)) return range.rule
  return null
}

// 16 bytes of an IPv6 address as one bigint; null if it does not parse.
export function parseIPv6 (text: string): bigint | null {
  let s = text
  const zone = s.indexOf('%')
  if (zone >= 0) s = s.slice(0, zone)
  if (isIP(s) !== 6) return null
  // A trailing dotted IPv4 part becomes two hextets.
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(s)
  if (dotted) {
    const n = v4(dotted[1])
    s = s.slice(0, -dotted[1].length) + `${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`
  }
  const halves = s.split('::')
  const head = halves[0] ? halves[0].split(':') : []
  const tail = halves.length > 1 && halves[1] ? halves[1].split(':') : []
  const missing = 8 - head.length - tail.length
  const groups = halves.length > 1 ? [...head, ...Array<string>(missing).fill('0'), ...tail] : head
  if (groups.length !== 8) return null
  return groups.reduce((n, g) => (n << 16n) | BigInt(parseInt(g, 16)), 0n)
}

const v6 = (text: string): bigint => parseIPv6(text)!
const V6_RANGES: Range[] = [
  ['::', 128, 'unspecified'],
  ['::1', 128, 'loopback'],
  ['64:ff9b:1::', 48, 'private'], // local-use NAT64 (RFC 8215)
  ['100::', 64, 'reserved'], // discard-only
  ['2001::', 32, 'reserved'], // Teredo: the IPv4 inside is obfuscated; refuse rather than decode
  ['2001:db8::', 32, 'documentation'],
  ['3fff::', 20, 'documentation'],
  ['fd00:ec2::254', 128, 'metadata'], // AWS instance metadata over IPv6 (inside fc00::/7)
  ['fc00::', 7, 'private'], // unique local
  ['fe80::', 10, 'link_local'],
  ['fec0::', 10, 'private'], // deprecated site-local
  ['ff00::', 8, 'multicast']
].map(([base, bits, rule]) =>
  ({ base: v6(base as string), bits: bits as number, width: 128, rule: rule as AddressRule }))

// Prefixes whose low 32 bits (or, for 6to4, bits 16..48) are an IPv4 address the traffic reaches.
const MAPPED = { base: v6('::ffff:0:0'), bits: 96, width: 128, rule: 'reserved' as AddressRule }
const COMPATIBLE = { base: v6('::'), bits: 96, width: 128, rule: 'reserved' as AddressRule }
const NAT64 = { base: v6('64:ff9b::'), bits: 96, width: 128, rule: 'reserved' as AddressRule }
const SIX_TO_FOUR = { base: v6('2002::'), bits: 16, width: 128, rule: 'reserved' as AddressRule }

function classifyV6 (value: bigint): AddressRule | null {
  if (inRange(value, MAPPED) || inRange(value, NAT64)) return classifyV4(value & 0xffffffffn)
  // ::a.b.c.d (IPv4-compatible, deprecated); :: and ::1 fall in here too and are named by V6_RANGES.
  if (inRange(value, COMPATIBLE) && value > 1n) return classifyV4(value & 0xffffffffn) ?? 'reserved'
  if (inRange(value, SIX_TO_FOUR)) return classifyV4((value >> 80n) & 0xffffffffn)
  for (const range of V6_RANGES) if (inRange(value, range)) return range.rule
  return null
}

// The rule `address` breaks, or null for a public unicast address.
export function classifyAddress (address: string): AddressRule | null {
  const family = isIP(address)
  if (family === 4) return classifyV4(v4(address))
  const value = parseIPv6(address)
  if (value === null) return 'invalid'
  return classifyV6(value)
}

export const RULE_TEXT: Record<AddressRule, string> = {
  unspecified: 'an unspecified address (0.0.0.0/8, ::)',
  loopback: 'a loopback address (127.0.0.0/8, ::1)',
  private: 'a private network address (10/8, 172.16/12, 192.168/16, fc00::/7)',
  link_local: 'a link-local address (169.254/16, fe80::/10)',
  metadata: 'a cloud metadata address',
  multicast: 'a multicast address',
  reserved: 'a reserved address',
  documentation: 'a documentation address',
  shared: 'a carrier-grade NAT address (100.64/10)',
  invalid: 'not an IP address'
}
