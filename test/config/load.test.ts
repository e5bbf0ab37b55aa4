import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import type { TapTest } from '../helpers/build.ts'
import { ConfigError } from '../../src/config/config-error.ts'
import { isDemoMode, loadConfig } from '../../src/config/load.ts'

const dir = mkdtempSync(join(tmpdir(), 'gw-config-'))
const file = (name: string, content: string) => {
  const path = join(dir, name)
  writeFileSync(path, content)
  return path
}
const HASH = 'a'.repeat(64)
const SECRET = 's'.repeat(40)

// Asserts loadConfig fails with exactly one line that mentions every given fragment.
function failsWith (t: TapTest, env: Record<string, string>, ...fragments: string[]) {
  try {
    loadConfig(env)
  } catch (err) {
    t.type(err, ConfigError)
    const message = (err as Error).message
    t.notMatch(message, /\n/, 'one line')
    t.match(message, /^Invalid configuration: /)
    for (const f of fragments) t.ok(message.includes(f), `message "${message}" mentions "${f}"`)
    return
  }
  t.fail('expected a ConfigError')
}

t.test('an empty environment gives the documented defaults, not demo mode', async (t) => {
  const config = loadConfig({})
  t.equal(config.server.host, '127.0.0.1')
  t.equal(config.server.port, 3000)
  t.equal(config.server.log_level, 'info')
  t.equal(config.limits.default_page_size, 25)
  t.equal(config.demo.incidents, 500)
  t.equal(config.demo.seed, 1)
  t.same(config.providers, [])
  t.equal(config.demo.enabled, false)
  t.notOk(isDemoMode(config), 'demo mode only on explicit request')
})

t.test('environment variables set and coerce scalars', async (t) => {
  const config = loadConfig({ PORT: '8080', HOST: '0.0.0.0', LOG_LEVEL: 'warn', DEMO_INCIDENTS: '20', DEMO_SEED: '7', TRUST_PROXY: 'true' })
  t.equal(config.server.port, 8080)
  t.equal(config.server.host, '0.0.0.0')
  t.equal(config.server.log_level, 'warn')
  t.equal(config.server.trust_proxy, true)
  t.equal(config.demo.incidents, 20)
  t.equal(config.demo.seed, 7)
})

t.test('bad scalars name the variable and what is wrong', async (t) => {
  failsWith(t, { PORT: 'abc' }, 'PORT', 'integer')
  failsWith(t, { PORT: '70000' }, 'PORT', '65535')
  failsWith(t, { LOG_LEVEL: 'loud' }, 'LOG_LEVEL', 'one of')
  failsWith(t, { DEMO_INCIDENTS: '-1' }, 'DEMO_INCIDENTS')
  failsWith(t, { CURSOR_SECRET: 'short' }, 'CURSOR_SECRET', '32')
  failsWith(t, { REDIS_URL: 'http://x' }, 'REDIS_URL')
})

t.test('a YAML file configures providers, keys and mapping overrides', async (t) => {
  const path = file('full.yaml', `
server:
  port: 4000
cursor:
  secret: ${SECRET}
providers:
  - id: zwa
    type: zwa
    base_url: https://api.us1.zsworkflow.net
    auth: { mode: api_key, key_id: kid, key_secret: ksecret }
    mapping:
      severity: { INFO: informational, CRITICAL: critical }
  - id: cl-emea
    type: cloudlock
    base_url: https://api.cloudlock.com/api/v2
    token: cltoken
    timeouts: { connect_ms: 1000 }
api_keys:
  - name: soar
    sha256: ${HASH}
    scopes: [incidents:read, incidents:write]
    providers: [cl-emea]
`)
  const config = loadConfig({ GATEWAY_CONFIG: path, PORT: '4001' })
  t.equal(config.server.port, 4001, 'environment wins over the file')
  t.equal(config.providers.length, 2)
  const [zwa, cl] = config.providers
  t.equal(zwa.type, 'zwa')
  if (zwa.type === 'zwa') {
    t.equal(zwa.path_prefix, '/dlp/v1', 'default prefix')
    t.same(zwa.auth, { mode: 'api_key', key_id: 'kid', key_secret: 'ksecret' })
  }
  t.same(zwa.mapping?.severity, { INFO: 'informational', CRITICAL: 'critical' })
  t.same(cl.timeouts, { connect_ms: 1000, headers_ms: 15000, body_ms: 15000 }, 'timeouts default per field')
  t.equal(cl.max_connections, 16)
  t.same(config.api_keys[0].providers, ['cl-emea'])
  t.notOk(isDemoMode(config))
})

t.test('secrets can be read from files, in YAML and environment', async (t) => {
  const tokenFile = file('cl-token', 'from-file-token\n')
  const secretFile = file('cursor', `${SECRET}\n`)
  const hashFile = file('hash', HASH)
  const path = file('secrets.yaml', `
providers:
  - id: cloudlock
    type: cloudlock
    base_url: http://127.0.0.1:9
    token_file: ${tokenFile}
`)
  const config = loadConfig({ GATEWAY_CONFIG: path, CURSOR_SECRET_FILE: secretFile, API_KEY_SHA256_FILE: hashFile })
  const cl = config.providers[0]
  t.equal(cl.type === 'cloudlock' && cl.token, 'from-file-token', 'trimmed file content')
  t.equal(config.cursor.secret, SECRET)
  t.equal(config.api_keys[0].sha256, HASH)
  failsWith(t, { CURSOR_SECRET: SECRET, CURSOR_SECRET_FILE: secretFile }, 'CURSOR_SECRET', 'not both')
  failsWith(t, { CURSOR_SECRET_FILE: join(dir, 'missing') }, 'CURSOR_SECRET_FILE', 'cannot be read')
})

t.test('environment shorthand wires one ZWA and one Cloudlock provider', async (t) => {
  const config = loadConfig({
    ZWA_BASE_URL: 'https://api.us1.zsworkflow.net',
    ZWA_KEY_ID: 'id',
    ZWA_KEY_SECRET: 'secret',
    CLOUDLOCK_BASE_URL: 'https://api.cloudlock.com/api/v2',
    CLOUDLOCK_TOKEN: 'tok',
    API_KEY_SHA256: HASH,
    CURSOR_SECRET: SECRET
  })
  t.same(config.providers.map((p) => [p.id, p.type]), [['zwa', 'zwa'], ['cloudlock', 'cloudlock']])
  t.same(config.api_keys[0].scopes, ['incidents:read', 'incidents:write', 'evidence:read'])
  const oneapi = loadConfig({
    ZWA_BASE_URL: 'https://api.zsapi.net',
    ZWA_PATH_PREFIX: '/zwa/dlp/v1',
    ZWA_CLIENT_ID: 'cid',
    ZWA_CLIENT_SECRET: 'csecret',
    ZWA_TOKEN_URL: 'https://vanity.zslogin.net/oauth2/v1/token',
    API_KEY_SHA256: HASH,
    CURSOR_SECRET: SECRET
  })
  const p = oneapi.providers[0]
  t.equal(p.type === 'zwa' && p.auth.mode, 'oneapi')
  t.equal(p.type === 'zwa' && p.path_prefix, '/zwa/dlp/v1')
  failsWith(t, { ZWA_BASE_URL: 'https://x.example', API_KEY_SHA256: HASH, CURSOR_SECRET: SECRET }, 'ZWA_KEY_ID', 'required')
  failsWith(t, { CLOUDLOCK_BASE_URL: 'https://x.example', API_KEY_SHA256: HASH, CURSOR_SECRET: SECRET }, 'CLOUDLOCK_TOKEN', 'required')
})

t.test('file and semantic errors stop startup with one clear line', async (t) => {
  failsWith(t, { GATEWAY_CONFIG: join(dir, 'nope.yaml') }, 'GATEWAY_CONFIG', 'cannot be read')
  failsWith(t, { GATEWAY_CONFIG: file('bad.yaml', 'server: [unclosed') }, 'not valid YAML')
  failsWith(t, { GATEWAY_CONFIG: file('list.yaml', '- a\n- b\n') }, 'mapping of settings')
  failsWith(t, { GATEWAY_CONFIG: file('typo.yaml', 'server:\n  prot: 1\n') }, 'server.prot', 'not a known setting')

  const provider = (extra: string) => file(`p${Math.random()}.yaml`, `cursor: { secret: ${SECRET} }
api_keys: [{ name: k, sha256: ${HASH}, scopes: [incidents:read] }]
providers:
${extra}`)
  failsWith(t, { GATEWAY_CONFIG: provider('  - { id: cl, type: cloudlock, base_url: "https://u:p@h.example", token: t }') }, 'providers[0].base_url', 'credentials')
  failsWith(t, { GATEWAY_CONFIG: provider('  - { id: cl, type: cloudlock, base_url: "ftp://h.example", token: t }') }, 'providers[0].base_url', 'http')
  failsWith(t, { GATEWAY_CONFIG: provider('  - { id: cl, type: cloudlock, base_url: "not a url", token: t }') }, 'providers[0].base_url')
  failsWith(t, { GATEWAY_CONFIG: provider('  - { id: Bad_Id, type: cloudlock, base_url: "https://h.example", token: t }') }, 'providers[0].id')
  failsWith(t, { GATEWAY_CONFIG: provider('  - { id: x, type: netskope, base_url: "https://h.example" }') }, 'providers[0].type', 'one of')
  failsWith(t, { GATEWAY_CONFIG: provider('  - { id: z, type: zwa, base_url: "https://h.example", auth: { mode: magic } }') }, 'providers[0].auth.mode', 'api_key or oneapi')
  failsWith(t, { GATEWAY_CONFIG: provider('  - { id: z, type: zwa, base_url: "https://h.example", auth: { mode: oneapi, client_id: a } }') }, 'providers[0].auth', 'required')
  failsWith(t, { GATEWAY_CONFIG: provider('  - { id: c, type: cloudlock, base_url: "https://h.example", token: t }\n  - { id: c, type: cloudlock, base_url: "https://h.example", token: t }') }, 'providers[1].id', 'repeats')
  failsWith(t, { GATEWAY_CONFIG: provider('  - { id: c, type: cloudlock, base_url: "https://h.example", token: t, mapping: { severity: { INFO: tiny } } }') }, 'providers[0].mapping.severity.INFO', 'one of')

  const keys = (extra: string) => file(`k${Math.random()}.yaml`, `cursor: { secret: ${SECRET} }
providers: [{ id: c, type: cloudlock, base_url: "https://h.example", token: t }]
api_keys:
${extra}`)
  failsWith(t, { GATEWAY_CONFIG: keys('  - { name: k, sha256: xyz, scopes: [incidents:read] }') }, 'api_keys[0].sha256')
  failsWith(t, { GATEWAY_CONFIG: keys(`  - { name: k, sha256: ${HASH}, scopes: [admin] }`) }, 'api_keys[0].scopes[0]', 'one of')
  failsWith(t, { GATEWAY_CONFIG: keys(`  - { name: k, sha256: ${HASH}, scopes: [incidents:read], providers: [zwa] }`) }, 'api_keys[0].providers[0]', "unknown provider 'zwa'")
  failsWith(t, { GATEWAY_CONFIG: keys('  []') }, 'at least one API key')
  failsWith(t, { GATEWAY_CONFIG: file('nosecret.yaml', `providers: [{ id: c, type: cloudlock, base_url: "https://h.example", token: t }]\napi_keys: [{ name: k, sha256: ${HASH}, scopes: [incidents:read] }]`) }, 'CURSOR_SECRET', 'required')
})

t.test('error messages never contain secret values', async (t) => {
  const path = file('leak.yaml', `cursor: { secret: ${SECRET} }
api_keys: [{ name: k, sha256: ${HASH}, scopes: [incidents:read] }]
providers: [{ id: c, type: cloudlock, base_url: "https://user:hunter2@h.example", token: supersecrettoken }]`)
  try {
    loadConfig({ GATEWAY_CONFIG: path })
    t.fail('should fail')
  } catch (err) {
    t.notMatch((err as Error).message, /hunter2|supersecrettoken|sssssss/)
  }
})
