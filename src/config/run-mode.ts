import { ConfigError } from './config-error.ts'
import { describeTypo, envTypos } from './env-typos.ts'
import type { Config } from './schema.ts'

type Env = Record<string, string | undefined>

// Spec 8: demo mode only on explicit request. A gateway with neither providers nor DEMO/--demo is a
// production configuration gone wrong (often a misspelt variable), so it refuses to start with one
// line saying what to set, including the likely typo when there is one (test/config/run-mode.test.ts,
// test/server.test.ts).
export function checkRunMode (config: Config, env: Env): void {
  if (config.demo.enabled || config.providers.length > 0) return
  const typos = envTypos(env).map(describeTypo)
  throw new ConfigError('No provider configured: set ZWA_BASE_URL (with ZWA_KEY_ID/ZWA_KEY_SECRET or ZWA_CLIENT_*) ' +
    'or CLOUDLOCK_BASE_URL (with CLOUDLOCK_TOKEN), or providers in the GATEWAY_CONFIG file, plus API_KEY_SHA256 and ' +
    `CURSOR_SECRET; for a demo, run with --demo or DEMO=true${typos.length > 0 ? `. Note: ${typos.join('; ')}` : ''}`)
}
