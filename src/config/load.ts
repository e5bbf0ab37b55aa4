import { accessSync, constants as fsConstants, readFileSync, statSync } from 'node:fs'
import { dirname } from 'node:path'
import { parse as parseYaml } from 'yaml'
import { Type } from 'typebox'
import { ConfigError } from './config-error.ts'
import {
  ApiKeyConfig, CloudlockProviderConfig, ConfigSchema, ZwaApiKeyAuth, ZwaOneApiAuth, ZwaProviderConfig, type Config
} from './schema.ts'
import { validateSection } from './validate.ts'

type Env = Record<string, string | undefined>
type Obj = Record<string, unknown>

// Environment variables and the config path each sets. `secret` ones may also come from NAME_FILE.
const ENV_SETTINGS: Array<{ env: string, path: string[], secret?: boolean }> = [
  { env: 'HOST', path: ['server', 'host'] },
  { env: 'PORT', path: ['server', 'port'] },
  { env: 'LOG_LEVEL', path: ['server', 'log_level'] },
  { env: 'BODY_LIMIT_BYTES', path: ['server', 'body_limit_bytes'] },
  { env: 'SHUTDOWN_DRAIN_MS', path: ['server', 'shutdown_drain_ms'] },
  { env: 'TRUST_PROXY', path: ['server', 'trust_proxy'] },
  { env: 'CURSOR_SECRET', path: ['cursor', 'secret'], secret: true },
  { env: 'DEFAULT_PAGE_SIZE', path: ['limits', 'default_page_size'] },
  { env: 'REQUEST_TIMEOUT_MS', path: ['limits', 'request_timeout_ms'] },
  { env: 'RATE_LIMIT_PER_MINUTE', path: ['limits', 'rate_limit_per_minute'] },
  { env: 'UPSTREAM_CALLS_PER_REQUEST', path: ['limits', 'upstream_calls_per_request'] },
  { env: 'REDIS_URL', path: ['redis_url'], secret: true },
  { env: 'DATABASE_URL', path: ['store', 'database_url'], secret: true },
  { env: 'DATA_DIR', path: ['store', 'data_dir'] },
  { env: 'CHANGES_RETENTION_DAYS', path: ['changes', 'retention_days'] },
  { env: 'CHANGES_MAX_WAITING_PER_KEY', path: ['changes', 'max_waiting_per_key'] },
  { env: 'WEBHOOKS_ALLOW_PRIVATE_NETWORKS', path: ['webhooks', 'allow_private_networks'] },
  { env: 'WEBHOOKS_MAX_CONSECUTIVE_FAILURES', path: ['webhooks', 'max_consecutive_failures'] },
  { env: 'METRICS_ENABLED', path: ['observability', 'metrics'] },
  { env: 'AUDIT_LOG', path: ['observability', 'audit_log'] },
  { env: 'DEMO', path: ['demo', 'enabled'] },
  { env: 'DEMO_INCIDENTS', path: ['demo', 'incidents'] },
  { env: 'DEMO_SEED', path: ['demo', 'seed'] },
  { env: 'DEMO_API_KEY', path: ['demo', 'api_key'], secret: true },
  { env: 'DEMO_ZWA_FIXTURES', path: ['demo', 'zwa_fixtures'] },
  { env: 'DEMO_CLOUDLOCK_FIXTURES', path: ['demo', 'cloudlock_fixtures'] },
  { env: 'DEMO_ACTIVITY_PER_MIN', path: ['demo', 'activity_per_minute'] }
]

// Secret fields that a YAML file may give as `<field>_file: /path` instead of inline.
const SECRET_FIELDS = new Set([
  'key_id', 'key_secret', 'client_id', 'client_secret', 'token', 'secret', 'api_key', 'redis_url', 'database_url'
])

const pointerOf = (path: Array<string | number>) => '/' + path.join('/')
const dotted = (pointer: string) =>
  pointer.slice(1).split('/').map((p) => /^\d+$/.test(p) ? `[${p}]` : `.${p}`).join('').replace(/^\./, '')

function readSecretFile (file: string, label: string): string {
  try {
    return readFileSync(file, 'utf8').trim()
  } catch (err) {
    throw new ConfigError(`Invalid configuration: ${label} names a file that cannot be read ` +
      `(${(err as NodeJS.ErrnoException).code ?? 'error'})`)
  }
}

function envValue (env: Env, name: string, secret: boolean | undefined): { value: string, origin: string } | undefined {
  const direct = env[name]
  const file = secret ? env[`${name}_FILE`] : undefined
  if (direct !== undefined && direct !== '' && file) {
    throw new ConfigError(`Invalid configuration: set either ${name} or ${name}_FILE, not both`)
  }
  if (file) return { value: readSecretFile(file, `${name}_FILE`), origin: `${name}_FILE` }
  if (direct !== undefined && direct !== '') return { value: direct, origin: name }
  return undefined
}

function setPath (target: Obj, path: string[], value: unknown): void {
  let node = target
  for (const key of path.slice(0, -1)) {
    if (typeof node[key] !== 'object' || node[key] === null) node[key] = {}
    node = node[key] as Obj
  }
  node[path[path.length - 1]] = value
}

// Replace `<secret>_file` keys anywhere in the YAML tree by the file's content.
function resolveSecretFiles (
  node: unknown, path: Array<string | number>, origins: Map<string, string>, file: string
): void {
  if (Array.isArray(node)) {
    node.forEach((item, i) => resolveSecretFiles(item, [...path, i], origins, file))
    return
  }
  if (typeof node !== 'object' || node === null) return
  const obj = node as Obj
  for (const key of Object.keys(obj)) {
    const field = key.endsWith('_file') ? key.slice(0, -5) : undefined
    if (field && SECRET_FIELDS.has(field)) {
      const label = `${dotted(pointerOf([...path, key]))} in ${file}`
      if (obj[field] !== undefined) {
        throw new ConfigError(`Invalid configuration: ${label} and ${field} are both set; keep one`)
      }
      if (typeof obj[key] !== 'string') throw new ConfigError(`Invalid configuration: ${label} must be a file path`)
      obj[field] = readSecretFile(obj[key] as string, label)
      delete obj[key]
      origins.set(pointerOf([...path, field]), label)
    } else {
      resolveSecretFiles(obj[key], [...path, key], origins, file)
    }
  }
}

function readYaml (file: string): Obj {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (err) {
    throw new ConfigError(`Invalid configuration: GATEWAY_CONFIG file ${file} cannot be read ` +
      `(${(err as NodeJS.ErrnoException).code ?? 'error'})`)
  }
  let doc: unknown
  try {
    doc = parseYaml(text)
  } catch (err) {
    const line = (err as { linePos?: Array<{ line: number }> }).linePos?.[0]?.line
    throw new ConfigError(
      `Invalid configuration: GATEWAY_CONFIG file ${file} is not valid YAML${line ? ` (line ${line})` : ''}`)
  }
  if (doc === null || doc === undefined) return {}
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw new ConfigError(`Invalid configuration: GATEWAY_CONFIG file ${file} must hold a mapping of settings`)
  }
  return doc as Obj
}

// Variables of the single-tenant shorthand below (read by name in envProviders/envApiKeys).
const SHORTHAND_ENV: Array<{ env: string, secret?: boolean }> = [
  { env: 'ZWA_BASE_URL' }, { env: 'ZWA_PATH_PREFIX' }, { env: 'ZWA_TOKEN_URL' },
  { env: 'ZWA_KEY_ID', secret: true }, { env: 'ZWA_KEY_SECRET', secret: true },
  { env: 'ZWA_CLIENT_ID', secret: true }, { env: 'ZWA_CLIENT_SECRET', secret: true },
  { env: 'CLOUDLOCK_BASE_URL' }, { env: 'CLOUDLOCK_TOKEN', secret: true }, { env: 'API_KEY_SHA256', secret: true }
]

// Every environment variable the loader reads, for the boot-time typo report (src/config/env-typos.ts).
export function knownEnvNames (): string[] {
  const names = ['GATEWAY_CONFIG']
  for (const s of [...ENV_SETTINGS, ...SHORTHAND_ENV]) names.push(s.env, ...(s.secret ? [`${s.env}_FILE`] : []))
  return names
}

// Single-tenant shorthand: ZWA_* and CLOUDLOCK_* variables configure providers `zwa` and `cloudlock`.
function envProviders (env: Env, origins: Map<string, string>, index: number): Obj[] {
  const out: Obj[] = []
  const zwaUrl = envValue(env, 'ZWA_BASE_URL', false)
  if (zwaUrl) {
    const p = pointerOf(['providers', index + out.length])
    const clientId = envValue(env, 'ZWA_CLIENT_ID', true)
    const auth: Obj = clientId
      ? {
          mode: 'oneapi',
          client_id: clientId.value,
          client_secret: envValue(env, 'ZWA_CLIENT_SECRET', true)?.value,
          token_url: envValue(env, 'ZWA_TOKEN_URL', false)?.value
        }
      : {
          mode: 'api_key',
          key_id: envValue(env, 'ZWA_KEY_ID', true)?.value,
          key_secret: envValue(env, 'ZWA_KEY_SECRET', true)?.value
        }
    for (const [k, v] of Object.entries(auth)) if (v === undefined) delete auth[k]
    const prefix = envValue(env, 'ZWA_PATH_PREFIX', false)
    out.push({ id: 'zwa', type: 'zwa', base_url: zwaUrl.value, auth, ...(prefix ? { path_prefix: prefix.value } : {}) })
    origins.set(`${p}/base_url`, 'ZWA_BASE_URL')
    origins.set(`${p}/path_prefix`, 'ZWA_PATH_PREFIX')
    origins.set(`${p}/auth`, clientId ? 'ZWA_CLIENT_ID/ZWA_CLIENT_SECRET/ZWA_TOKEN_URL' : 'ZWA_KEY_ID/ZWA_KEY_SECRET')
    for (const [field, name] of [
      ['key_id', 'ZWA_KEY_ID'], ['key_secret', 'ZWA_KEY_SECRET'], ['client_id', 'ZWA_CLIENT_ID'],
      ['client_secret', 'ZWA_CLIENT_SECRET'], ['token_url', 'ZWA_TOKEN_URL']
    ]) {
      origins.set(`${p}/auth/${field}`, name)
    }
  }
  const clUrl = envValue(env, 'CLOUDLOCK_BASE_URL', false)
  if (clUrl) {
    const p = pointerOf(['providers', index + out.length])
    const token = envValue(env, 'CLOUDLOCK_TOKEN', true)
    out.push({ id: 'cloudlock', type: 'cloudlock', base_url: clUrl.value, ...(token ? { token: token.value } : {}) })
    origins.set(`${p}/base_url`, 'CLOUDLOCK_BASE_URL')
    origins.set(`${p}/token`, 'CLOUDLOCK_TOKEN')
  }
  return out
}

function envApiKeys (env: Env, origins: Map<string, string>, index: number): Obj[] {
  const hash = envValue(env, 'API_KEY_SHA256', true)
  if (!hash) return []
  origins.set(`/api_keys/${index}/sha256`, hash.origin)
  return [{ name: 'env-key', sha256: hash.value, scopes: ['incidents:read', 'incidents:write', 'evidence:read'] }]
}

const TopLevel = Type.Object({
  ...ConfigSchema.properties,
  providers: Type.Array(Type.Object({ type: Type.Enum(['zwa', 'cloudlock']) }), { default: [] }),
  api_keys: Type.Array(Type.Unknown(), { default: [] })
}, { additionalProperties: false })

const ZwaProviderShape = Type.Object(
  { ...ZwaProviderConfig.properties, auth: Type.Object({}) },
  { additionalProperties: false }
)

// An audit log file must be writable at boot, not at the first write hours later
// (test/observability/config.test.ts).
function checkAuditLog (target: string, originOf: (p: string) => string): void {
  if (target === 'stdout' || target === 'stderr' || target === 'off') return
  const fail = (why: string) => new ConfigError(`Invalid configuration: ${originOf('/observability/audit_log')} ` +
    `must be stdout, stderr, off or a writable file path (${why})`)
  let isDir = false
  try {
    isDir = statSync(target).isDirectory()
    accessSync(target, fsConstants.W_OK)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw fail((err as NodeJS.ErrnoException).code ?? 'error')
    try {
      accessSync(dirname(target), fsConstants.W_OK)
    } catch (dirErr) {
      throw fail(`directory: ${(dirErr as NodeJS.ErrnoException).code ?? 'error'}`)
    }
  }
  if (isDir) throw fail('it is a directory')
}

// Demo mode replaces providers, keys and the cursor secret with its own: a mix means a production
// configuration with a stray DEMO/--demo, which must not turn into fake data and a printed key
// (test/config/run-mode.test.ts, test/server.test.ts).
function checkDemoMix (config: Config, originOf: (p: string) => string): void {
  if (!config.demo.enabled) return
  const mixed = config.providers.length > 0
    ? `providers (${originOf('/providers/0/base_url')})`
    : config.api_keys.length > 0
      ? `API keys (${originOf('/api_keys/0/sha256')})`
      : config.cursor.secret ? `a cursor secret (${originOf('/cursor/secret')})` : undefined
  if (mixed) {
    throw new ConfigError(`Invalid configuration: ${originOf('/demo/enabled')} asks for demo mode, which cannot ` +
      `be combined with ${mixed}; remove one of them`)
  }
}

function checkSemantics (config: Config, originOf: (p: string) => string): void {
  checkAuditLog(config.observability.audit_log, originOf)
  checkDemoMix(config, originOf)
  const ids = new Set<string>()
  config.providers.forEach((p, i) => {
    if (ids.has(p.id)) {
      throw new ConfigError(`Invalid configuration: ${originOf(`/providers/${i}/id`)} repeats provider id '${p.id}'`)
    }
    ids.add(p.id)
    const url = new URL(p.base_url)
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new ConfigError(
        `Invalid configuration: ${originOf(`/providers/${i}/base_url`)} must be an http or https URL`)
    }
    if (url.username || url.password) {
      throw new ConfigError(`Invalid configuration: ${originOf(`/providers/${i}/base_url`)} must not contain ` +
        'credentials; use the provider\'s credential settings')
    }
    if (url.search || url.hash) {
      throw new ConfigError(
        `Invalid configuration: ${originOf(`/providers/${i}/base_url`)} must not contain a query or fragment`)
    }
  })
  const names = new Set<string>()
  config.api_keys.forEach((k, i) => {
    if (names.has(k.name)) {
      throw new ConfigError(`Invalid configuration: ${originOf(`/api_keys/${i}/name`)} repeats key name '${k.name}'`)
    }
    names.add(k.name)
    k.providers?.forEach((id, j) => {
      if (!ids.has(id)) {
        throw new ConfigError(
          `Invalid configuration: ${originOf(`/api_keys/${i}/providers/${j}`)} names unknown provider '${id}'`)
      }
    })
  })
  if (config.providers.length > 0) {
    if (config.api_keys.length === 0) {
      throw new ConfigError('Invalid configuration: api_keys is empty; with providers configured at least one ' +
        'API key (or API_KEY_SHA256) is required')
    }
    if (!config.cursor.secret) {
      throw new ConfigError('Invalid configuration: CURSOR_SECRET (cursor.secret) is required when providers are ' +
        'configured; use at least 32 random characters, the same on every replica')
    }
  }
}

// Builds the validated configuration from the environment and the optional YAML file.
// `options.demo` is the `--demo` flag of src/server.ts.
export function loadConfig (env: Env = process.env, options: { demo?: boolean } = {}): Config {
  const origins = new Map<string, string>()
  const file = env.GATEWAY_CONFIG
  const raw: Obj = file ? readYaml(file) : {}
  if (file) resolveSecretFiles(raw, [], origins, file)
  const yamlLabel = (pointer: string) => file ? `${dotted(pointer)} in ${file}` : dotted(pointer)
  const originOf = (pointer: string): string => {
    for (let p = pointer; p.length > 0; p = p.slice(0, p.lastIndexOf('/'))) {
      const hit = origins.get(p)
      if (hit) return p === pointer ? hit : `${hit} (${dotted(pointer)})`
    }
    return yamlLabel(pointer)
  }

  for (const setting of ENV_SETTINGS) {
    const found = envValue(env, setting.env, setting.secret)
    if (!found) continue
    setPath(raw, setting.path, found.value)
    origins.set(pointerOf(setting.path), found.origin)
  }
  if (options.demo) {
    setPath(raw, ['demo', 'enabled'], true)
    origins.set('/demo/enabled', '--demo')
  }
  const providers = Array.isArray(raw.providers)
    ? raw.providers as Obj[]
    : (raw.providers === undefined ? [] : raw.providers)
  if (Array.isArray(providers)) {
    raw.providers = [...providers, ...envProviders(env, origins, providers.length)]
  }
  const keys = Array.isArray(raw.api_keys) ? raw.api_keys : (raw.api_keys === undefined ? [] : raw.api_keys)
  if (Array.isArray(keys)) raw.api_keys = [...keys, ...envApiKeys(env, origins, keys.length)]

  validateSection(TopLevel, raw, '', originOf)
  const config = raw as unknown as Config
  config.providers.forEach((p, i) => {
    if (p.type === 'zwa') {
      // The auth union is checked by its `mode` first so errors speak of the branch the user meant.
      const auth = p.auth as { mode?: unknown } | undefined
      if (auth === undefined || typeof auth !== 'object') {
        throw new ConfigError(
          `Invalid configuration: ${originOf(`/providers/${i}/auth`)} is required (mode api_key or oneapi)`)
      }
      if (auth.mode !== 'api_key' && auth.mode !== 'oneapi') {
        throw new ConfigError(
          `Invalid configuration: ${originOf(`/providers/${i}/auth/mode`)} must be api_key or oneapi`)
      }
      validateSection(auth.mode === 'api_key' ? ZwaApiKeyAuth : ZwaOneApiAuth, auth, `/providers/${i}/auth`, originOf)
      validateSection(ZwaProviderShape, p, `/providers/${i}`, originOf)
    } else {
      validateSection(CloudlockProviderConfig, p, `/providers/${i}`, originOf)
    }
  })
  config.api_keys.forEach((k, i) => validateSection(ApiKeyConfig, k, `/api_keys/${i}`, originOf))
  checkSemantics(config, originOf)
  return config
}

export const isDemoMode = (config: Config) => config.demo.enabled
