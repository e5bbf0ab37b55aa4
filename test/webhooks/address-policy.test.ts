import fc from 'fast-check'
import t from 'tap'
import { classifyAddress, parseIPv6 } from '../../src/webhooks/address-policy.ts'
import { urlProblem } from '../../src/webhooks/url-policy.ts'

// The SSRF address classifier (src/webhooks/address-policy.ts): every non-public range, in each of
// the forms an IPv4 address can take inside IPv6.
t.test('IPv4 ranges', async (t) => {
  const cases: Array<[string, string | null]> = [
    ['0.0.0.0', 'unspecified'], ['0.1.2.3', 'unspecified'],
    ['10.0.0.1', 'private'], ['10.255.255.255', 'private'],
    ['100.64.0.1', 'shared'], ['100.127.255.254', 'shared'], ['100.128.0.1', null], ['100.63.255.255', null],
    ['127.0.0.1', 'loopback'], ['127.255.255.254', 'loopback'],
    ['169.254.169.254', 'metadata'], ['169.254.0.1', 'link_local'], ['169.254.255.255', 'link_local'],
    ['172.16.0.1', 'private'], ['172.31.255.255', 'private'], ['172.15.255.255', null], ['172.32.0.0', null],
    ['192.0.0.192', 'reserved'], ['192.0.2.10', 'documentation'], ['192.88.99.1', 'reserved'],
    ['192.168.1.1', 'private'], ['192.169.0.1', null],
    ['198.18.0.1', 'reserved'], ['198.19.255.255', 'reserved'], ['198.20.0.0', null],
    ['198.51.100.7', 'documentation'], ['203.0.113.9', 'documentation'],
    ['224.0.0.1', 'multicast'], ['239.255.255.255', 'multicast'],
    ['240.0.0.1', 'reserved'], ['255.255.255.255', 'reserved'],
    ['8.8.8.8', null], ['1.1.1.1', null], ['93.184.216.34', null], ['11.0.0.1', null], ['126.255.255.255', null],
    ['128.0.0.1', null], ['223.255.255.255', null]
  ]
  for (const [address, rule] of cases) t.equal(classifyAddress(address), rule, address)
})

t.test('IPv6 ranges, and IPv4 inside IPv6 judged by the IPv4 address', async (t) => {
  const cases: Array<[string, string | null]> = [
    ['::', 'unspecified'], ['::1', 'loopback'], ['0:0:0:0:0:0:0:1', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'], ['::ffff:7f00:1', 'loopback'], ['::FFFF:10.1.2.3', 'private'],
    ['::ffff:169.254.169.254', 'metadata'], ['::ffff:8.8.8.8', null],
    ['::127.0.0.1', 'loopback'], ['::8.8.8.8', 'reserved'], // IPv4-compatible: deprecated, never public
    ['64:ff9b::127.0.0.1', 'loopback'], ['64:ff9b::a9fe:a9fe', 'metadata'], ['64:ff9b::8.8.8.8', null],
    ['64:ff9b:1::1', 'private'],
    ['2002:7f00:0001::', 'loopback'], ['2002:0a00:0001::1', 'private'], ['2002:0808:0808::1', null],
    ['2001::1', 'reserved'], ['2001:db8::1', 'documentation'], ['3fff::1', 'documentation'], ['100::1', 'reserved'],
    ['fc00::1', 'private'], ['fd12:3456::1', 'private'], ['fd00:ec2::254', 'metadata'],
    ['fe80::1', 'link_local'], ['fe80::1%eth0', 'link_local'], ['febf::1', 'link_local'], ['fec0::1', 'private'],
    ['ff02::1', 'multicast'], ['ff05::2', 'multicast'],
    ['2606:4700:4700::1111', null], ['2a00:1450:4001:81b::200e', null], ['2001:4860:4860::8888', null]
  ]
  for (const [address, rule] of cases) t.equal(classifyAddress(address), rule, address)
  t.equal(classifyAddress('not-an-ip'), 'invalid')
  t.equal(classifyAddress(''), 'invalid')
})

t.test('IPv6 parsing agrees with the expanded form', async (t) => {
  await fc.assert(fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 8, maxLength: 8 }),
    async (groups) => {
      const full = groups.map((g) => g.toString(16)).join(':')
      const value = groups.reduce((n, g) => (n << 16n) | BigInt(g), 0n)
      t.equal(parseIPv6(full), value)
    }), { numRuns: 200 })
  t.equal(parseIPv6('1::'), 1n << 112n)
  t.equal(parseIPv6('::ffff:1.2.3.4'), (0xffffn << 32n) | 0x01020304n)
})

t.test('every IPv4 address has the same verdict bare and IPv4-mapped', async (t) => {
  await fc.assert(fc.property(fc.ipV4(), (ip) => classifyAddress(ip) === classifyAddress(`::ffff:${ip}`) &&
    classifyAddress(ip) === classifyAddress(`64:ff9b::${ip}`)), { numRuns: 2000 })
  t.pass('2000 addresses agreed')
})

t.test('URL rules: each broken rule is named', async (t) => {
  const strict: Array<[string, RegExp | null]> = [
    ['https://hooks.example.com/x?token=1', null],
    ['https://203.0.114.1/x', null],
    ['http://hooks.example.com/x', /must use https/],
    ['ftp://hooks.example.com/x', /must use https/],
    ['https://user:pw@hooks.example.com/x', /credentials/],
    ['https://user@hooks.example.com/x', /credentials/],
    ['https://hooks.example.com/x#frag', /fragment/],
    ['https://127.0.0.1/x', /loopback/],
    ['https://2130706433/x', /loopback/], // decimal IPv4, normalized by the URL parser
    ['https://0x7f.1/x', /loopback/],
    ['https://[::1]/x', /loopback/],
    ['https://[::ffff:169.254.169.254]/latest', /metadata/],
    ['https://169.254.169.254/latest', /metadata/],
    ['https://10.0.0.5/x', /private/],
    ['https://[fe80::1]/x', /link-local/],
    ['https://0.0.0.0/x', /unspecified/],
    ['https://localhost/x', /public host/],
    ['https://api.localhost/x', /public host/],
    ['https://intranet/x', /public host/],
    ['not a url', /absolute URL/],
    [`https://hooks.example.com/${'a'.repeat(2100)}`, /at most 2048/]
  ]
  for (const [url, rule] of strict) {
    const problem = urlProblem(url, false)
    if (rule === null) t.equal(problem, null, url)
    else t.match(problem, rule, url)
  }
  t.equal(urlProblem('http://127.0.0.1:8080/x', true), null, 'allowed with allow_private_networks')
  t.match(urlProblem('http://u:p@127.0.0.1:8080/x', true), /credentials/, 'credentials never')
  t.match(urlProblem('file:///etc/passwd', true), /https or http/)
})
