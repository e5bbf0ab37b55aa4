import { createHash } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startProcess, type Proc } from './processes.ts'

export const BENCH_KEY = 'bench-key-0123456789abcdef'
const server = fileURLToPath(new URL('../../src/server.ts', import.meta.url))

// The gateway as an operator runs it (src/server.ts, YAML config), wired to simulator processes.
// Per-key and upstream rate budgets are raised: the simulators are ours and the benchmark measures
// the gateway's own cost, not the vendors' documented quotas.
// `launch` adds node flags, environment and provider settings (sync for the feed benchmark)
// (scripts/architecture uses it to load a module hook), or another checkout's src/server.ts.
export async function startGateway (
  sims: { zwa?: string, cloudlock?: string },
  extraYaml = '',
  launch: { nodeFlags?: string[], env?: Record<string, string>, providerExtra?: string, server?: string } = {}
): Promise<Proc> {
  const dir = mkdtempSync(join(tmpdir(), 'gw-bench-'))
  const file = join(dir, 'gateway.yaml')
  const providers: string[] = []
  if (sims.zwa) providers.push(`  - { id: zwa, type: zwa, base_url: "${sims.zwa}", auth: { mode: api_key, key_id: bench-id, key_secret: bench-secret }${RELAXED_BUDGET}${launch.providerExtra ?? ''} }`)
  if (sims.cloudlock) providers.push(`  - { id: cloudlock, type: cloudlock, base_url: "${sims.cloudlock}/api/v2", token: bench-token${RELAXED_BUDGET}${launch.providerExtra ?? ''} }`)
  writeFileSync(file, `
server: { log_level: warn }
cursor: { secret: ${'b'.repeat(40)} }
limits: { rate_limit_per_minute: 1000000, request_timeout_ms: 60000 }
providers:
${providers.join('\n')}
api_keys:
  - { name: bench, sha256: "${createHash('sha256').update(BENCH_KEY).digest('hex')}", scopes: [incidents:read, incidents:write, evidence:read] }
${extraYaml}
`)
  const env: Record<string, string> = { GATEWAY_CONFIG: file, PORT: '0', ...launch.env }
  if (process.env.GW_NODE_OPTIONS) env.NODE_OPTIONS = process.env.GW_NODE_OPTIONS
  return startProcess(launch.server ?? server, [], env, launch.nodeFlags)
}

// Lifts the vendor rate budgets: the simulators enforce none and the benchmark measures the gateway.
export const RELAXED_BUDGET = ', resilience: { rate_budget: { enabled: false } }'
