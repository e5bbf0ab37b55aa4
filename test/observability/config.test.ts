import { chmodSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { ConfigError } from '../../src/config/config-error.ts'
import { loadConfig } from '../../src/config/load.ts'
import { tempDir, writeYaml } from './helpers.ts'

function failure (env: Record<string, string>): string {
  try {
    loadConfig(env)
  } catch (err) {
    if (err instanceof ConfigError) return err.message
    throw err
  }
  return 'no error'
}

t.test('observability defaults: metrics on, audit events on stdout', async (t) => {
  t.same(loadConfig({}).observability, { metrics: true, audit_log: 'stdout' })
})

t.test('METRICS_ENABLED and AUDIT_LOG set them; YAML too', async (t) => {
  const dir = tempDir()
  t.same(loadConfig({ METRICS_ENABLED: 'false', AUDIT_LOG: 'off' }).observability, { metrics: false, audit_log: 'off' })
  t.equal(loadConfig({ AUDIT_LOG: 'stderr' }).observability.audit_log, 'stderr')
  t.equal(loadConfig({ AUDIT_LOG: join(dir, 'audit.log') }).observability.audit_log, join(dir, 'audit.log'), 'a file that does not exist yet')
  const file = writeYaml(`observability: { metrics: false, audit_log: ${join(dir, 'y.log')} }\n`)
  t.same(loadConfig({ GATEWAY_CONFIG: file }).observability, { metrics: false, audit_log: join(dir, 'y.log') })
  t.equal(loadConfig({ GATEWAY_CONFIG: file, AUDIT_LOG: 'off' }).observability.audit_log, 'off', 'environment wins')
})

t.test('bad settings stop startup with a line naming them', async (t) => {
  const dir = tempDir()
  t.match(failure({ METRICS_ENABLED: 'maybe' }), /^Invalid configuration: METRICS_ENABLED must be a boolean/)
  t.match(failure({ AUDIT_LOG: join(dir, 'missing', 'audit.log') }), /^Invalid configuration: AUDIT_LOG must be stdout, stderr, off or a writable file path \(directory: ENOENT\)$/)
  t.match(failure({ AUDIT_LOG: dir }), /AUDIT_LOG .*\(it is a directory\)/)
  t.match(failure({ GATEWAY_CONFIG: writeYaml('observability: { tracing: true }\n') }), /observability\.tracing .* is not a known setting/)
  t.match(failure({ GATEWAY_CONFIG: writeYaml(`observability: { audit_log: ${join(dir, 'nope', 'a.log')} }\n`) }), /observability\.audit_log in .* must be stdout, stderr, off or a writable file path/)
  if (process.getuid?.() !== 0) {
    const locked = join(dir, 'locked')
    mkdirSync(locked)
    writeFileSync(join(locked, 'audit.log'), '')
    chmodSync(join(locked, 'audit.log'), 0o400)
    t.match(failure({ AUDIT_LOG: join(locked, 'audit.log') }), /AUDIT_LOG .*\(EACCES\)/)
  }
})
