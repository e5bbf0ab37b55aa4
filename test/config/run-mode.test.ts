import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { ConfigError } from '../../src/config/config-error.ts'
import { envTypos, OWNED_PREFIXES } from '../../src/config/env-typos.ts'
import { isDemoMode, knownEnvNames, loadConfig } from '../../src/config/load.ts'
import { checkRunMode } from '../../src/config/run-mode.ts'

const HASH = 'a'.repeat(64)
const SECRET = 's'.repeat(40)
const CLOUDLOCK = { CLOUDLOCK_BASE_URL: 'https://api.cloudlock.com/api/v2', CLOUDLOCK_TOKEN: 'tok', API_KEY_SHA256: HASH, CURSOR_SECRET: SECRET }

function message (fn: () => unknown): string {
  try {
    fn()
  } catch (err) {
    if (err instanceof ConfigError) return err.message
    throw err
  }
  return ''
}

t.test('demo mode is entered by DEMO=true, demo.enabled or the --demo flag only', async (t) => {
  t.ok(isDemoMode(loadConfig({ DEMO: 'true' })))
  t.ok(isDemoMode(loadConfig({}, { demo: true })))
  const dir = mkdtempSync(join(tmpdir(), 'gw-run-mode-'))
  writeFileSync(join(dir, 'demo.yaml'), 'demo: { enabled: true, incidents: 5 }\n')
  t.ok(isDemoMode(loadConfig({ GATEWAY_CONFIG: join(dir, 'demo.yaml') })))
  t.notOk(isDemoMode(loadConfig({ DEMO: 'false' })))
  t.equal(message(() => loadConfig({ DEMO: 'yes' })), 'Invalid configuration: DEMO must be a boolean')
})

t.test('no provider and no demo request refuses to start with one line saying what to set', async (t) => {
  const line = message(() => checkRunMode(loadConfig({}), {}))
  t.match(line, /^No provider configured: set ZWA_BASE_URL .*CLOUDLOCK_BASE_URL .*GATEWAY_CONFIG.*--demo or DEMO=true$/)
  t.notMatch(line, /\n/)
  t.equal(message(() => checkRunMode(loadConfig({ DEMO: 'true' }), {})), '', 'demo mode runs')
  t.equal(message(() => checkRunMode(loadConfig(CLOUDLOCK), CLOUDLOCK)), '', 'providers run')
})

t.test('a misspelt provider variable is named in the refusal, without its value', async (t) => {
  const env = { ZWA_BASEURL: 'https://secret-tenant.example', API_KEY_SHA256: HASH, CURSOR_SECRET: SECRET }
  const line = message(() => checkRunMode(loadConfig(env), env))
  t.match(line, /^No provider configured: .*ZWA_BASEURL is not a setting of the gateway and is ignored \(did you mean ZWA_BASE_URL\?\)$/)
  t.notMatch(line, /secret-tenant/)
})

t.test('demo mode mixed with providers, API keys or a cursor secret is refused', async (t) => {
  t.equal(message(() => loadConfig({ ...CLOUDLOCK, DEMO: 'true' })),
    'Invalid configuration: DEMO asks for demo mode, which cannot be combined with providers (CLOUDLOCK_BASE_URL); remove one of them')
  t.equal(message(() => loadConfig({ API_KEY_SHA256: HASH }, { demo: true })),
    'Invalid configuration: --demo asks for demo mode, which cannot be combined with API keys (API_KEY_SHA256); remove one of them')
  t.equal(message(() => loadConfig({ CURSOR_SECRET: SECRET, DEMO: 'true' })),
    'Invalid configuration: DEMO asks for demo mode, which cannot be combined with a cursor secret (CURSOR_SECRET); remove one of them')
  t.notMatch(message(() => loadConfig({ CURSOR_SECRET: SECRET, DEMO: 'true' })), /sssss/, 'never the value')
})

t.test('every setting the loader knows belongs to a family whose typos are reported', async (t) => {
  const generic = new Set(['HOST', 'PORT', 'LOG_LEVEL'])
  for (const name of knownEnvNames()) {
    if (!generic.has(name)) t.ok(OWNED_PREFIXES.some((p) => name.startsWith(p)), name)
  }
  t.same(envTypos({ UPSTREAM_CALLS_PER_REQEST: '5' }), [{ name: 'UPSTREAM_CALLS_PER_REQEST', closest: 'UPSTREAM_CALLS_PER_REQUEST' }])
})

t.test('unknown variables in the gateway\'s families are reported with the closest known name', async (t) => {
  const typos = envTypos({
    ZWA_BASEURL: 'x',
    CLOUDLOCK_TOKNE: 'x',
    cursor_secret: 'x',
    DEMO_MODE: 'x',
    API_KEY: 'x',
    REDIS_URI: 'x',
    ZWA_BASE_URL: 'known',
    CURSOR_SECRET_FILE: 'known',
    DEMO: 'known',
    HOME: 'not ours',
    OTEL_SERVICE_NAME: 'not ours',
    REDIS_SERVICE_HOST: 'a Kubernetes service link',
    REDIS_PORT_6379_TCP_ADDR: 'a Kubernetes service link',
    REDIS_PORT: 'a Kubernetes service link'
  })
  t.same(typos, [
    { name: 'API_KEY', closest: 'API_KEY_SHA256' },
    { name: 'CLOUDLOCK_TOKNE', closest: 'CLOUDLOCK_TOKEN' },
    { name: 'DEMO_MODE', closest: 'DEMO_SEED' },
    { name: 'REDIS_URI', closest: 'REDIS_URL' },
    { name: 'ZWA_BASEURL', closest: 'ZWA_BASE_URL' },
    { name: 'cursor_secret', closest: 'CURSOR_SECRET' }
  ])
})
