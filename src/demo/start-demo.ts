import { randomBytes } from 'node:crypto'
import { sha256Hex } from '../util/hash.ts'
import type { FastifyInstance } from 'fastify'
import { CloudlockProviderConfig, ZwaProviderConfig, type Config, type ProviderConfig } from '../config/schema.ts'
import { validateSection } from '../config/validate.ts'
import { ConfigError } from '../config/config-error.ts'
import { buildCloudlockSimulator } from '../vendors/cloudlock/simulator/app.ts'
import { loadFixtures } from '../sim-kit/fixtures.ts'
import { buildZwaSimulator } from '../vendors/zwa/simulator/app.ts'
import { loadZwaFixtures } from '../vendors/zwa/simulator/fixtures.ts'

export interface Demo {
  config: Config // the given config with providers `zwa` and `cloudlock`, a demo key and a cursor secret
  apiKey: string
  simulators: { zwa: string, cloudlock: string }
  close: () => Promise<void>
}

const secret = () => randomBytes(24).toString('base64url')
const timeouts = { connect_ms: 2_000, headers_ms: 10_000, body_ms: 10_000 }

async function fixtures (
  path: string | undefined, setting: string, load: (p: string) => Promise<unknown[]>
): Promise<unknown[] | undefined> {
  if (!path) return undefined
  try {
    return await load(path)
  } catch (err) {
    throw new ConfigError(
      `Invalid configuration: ${setting} (${path}) ${(err as Error).message.replace(/\s+/g, ' ').slice(0, 200)}`)
  }
}

// Demo mode (spec section 8): both simulators in-process on loopback, seeded, wired as the
// providers `zwa` and `cloudlock`, with a demo API key holding every scope.
export async function startDemo (config: Config): Promise<Demo> {
  const zwaRecords = await fixtures(config.demo.zwa_fixtures, 'DEMO_ZWA_FIXTURES', loadZwaFixtures)
  const cloudlockRecords = await fixtures(config.demo.cloudlock_fixtures, 'DEMO_CLOUDLOCK_FIXTURES', loadFixtures)
  const zwaKey = { keyId: `demo-${secret()}`, keySecret: secret() }
  const cloudlockToken = secret()
  const started: FastifyInstance[] = []
  // One anchor for both: their incidents span the same 90 days up to start-up, so the merged list
  // interleaves the vendors from its first page. Ids depend on the seed only (README examples;
  // test/demo-data.test.ts).
  const anchor = new Date().toISOString()
  // Vendor-console activity (DEMO_ACTIVITY_PER_MIN) gives the change feed something to show.
  const perMinute = config.demo.activity_per_minute
  const activity = perMinute > 0 ? { perMinute, seed: config.demo.seed } : undefined
  try {
    const zwa = await buildZwaSimulator({
      ...zwaKey,
      seed: config.demo.seed,
      anchor,
      count: config.demo.incidents,
      incidents: zwaRecords,
      activity,
      defaultResolutionCode: null // closing without a classification records no resolution
    })
    started.push(zwa)
    const cloudlock = await buildCloudlockSimulator({
      token: cloudlockToken,
      seed: config.demo.seed,
      count: config.demo.incidents,
      anchor,
      incidents: cloudlockRecords,
      activity
    })
    started.push(cloudlock)
    const zwaUrl = await zwa.listen({ host: '127.0.0.1', port: 0 })
    const cloudlockUrl = await cloudlock.listen({ host: '127.0.0.1', port: 0 })
    const apiKey = config.demo.api_key ?? `demo-${secret()}`
    // Full provider settings with their defaults (retries, breaker, ...); the simulators enforce
    // no vendor quota, so the local rate budget is off.
    const resilience = () => ({ rate_budget: { enabled: false } })
    // Sync keeps the mirror and GET /v1/changes live: the simulators index at once, so a short
    // look-back suffices, and polls are frequent enough to watch activity arrive.
    const sync = () => ({
      enabled: true, poll_interval_s: 5, lookback_s: 2, open_recheck_interval_s: 10, reconcile_interval_h: 1
    })
    const zwaProvider = {
      id: 'zwa',
      type: 'zwa',
      base_url: zwaUrl,
      path_prefix: '/dlp/v1',
      auth: { mode: 'api_key', key_id: zwaKey.keyId, key_secret: zwaKey.keySecret },
      timeouts,
      resilience: resilience(),
      sync: sync()
    }
    const cloudlockProvider = {
      id: 'cloudlock',
      type: 'cloudlock',
      base_url: `${cloudlockUrl}/api/v2`,
      token: cloudlockToken,
      timeouts,
      resilience: resilience(),
      sync: sync()
    }
    validateSection(ZwaProviderConfig, zwaProvider, '/providers/0', (p) => `demo ${p}`)
    validateSection(CloudlockProviderConfig, cloudlockProvider, '/providers/1', (p) => `demo ${p}`)
    return {
      apiKey,
      simulators: { zwa: zwaUrl, cloudlock: cloudlockUrl },
      config: {
        ...config,
        providers: [zwaProvider as ProviderConfig, cloudlockProvider as ProviderConfig],
        api_keys: [{
          name: 'demo',
          sha256: sha256Hex(apiKey),
          scopes: ['incidents:read', 'incidents:write', 'evidence:read', 'webhooks:manage']
        }],
        // Demo receivers run on the same machine (spec section 10).
        webhooks: { ...config.webhooks, allow_private_networks: true }
      },
      close: async () => { await Promise.allSettled(started.map((s) => s.close())) }
    }
  } catch (err) {
    await Promise.allSettled(started.map((s) => s.close()))
    throw err
  }
}
