// Standalone Cloudlock simulator: node src/vendors/cloudlock/simulator/cli.ts [--port 4102] [--seed 1] ...
// Arguments win over environment variables (PORT, HOST, CLOUDLOCK_SIM_TOKEN, SEED, COUNT, FIXTURES,
// ACTIVITY_PER_MINUTE).
import { parseArgs } from 'node:util'
import { loadFixtures } from '../../../sim-kit/fixtures.ts'
import { buildCloudlockSimulator, CLOUDLOCK_DEV_TOKEN, CLOUDLOCK_PREFIX } from './app.ts'

export const DEV_TOKEN = CLOUDLOCK_DEV_TOKEN

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    host: { type: 'string' },
    token: { type: 'string' },
    seed: { type: 'string' },
    count: { type: 'string' },
    fixtures: { type: 'string' },
    'rate-limit': { type: 'string' },
    'limit-overflow': { type: 'string' },
    'activity-per-minute': { type: 'string' },
    help: { type: 'boolean', short: 'h' }
  }
})

if (values.help === true) {
  console.log(`Usage: cli.ts [--port N] [--host H] [--token T] [--seed S] [--count N] [--fixtures file.json]
                [--rate-limit perMinute] [--limit-overflow clamp|error] [--activity-per-minute N]
Environment: PORT (4102), HOST (127.0.0.1), CLOUDLOCK_SIM_TOKEN (${DEV_TOKEN}), SEED (1), COUNT (500), FIXTURES,
             ACTIVITY_PER_MINUTE (0 = off: console activity, about N new or changed incidents a minute)`)
  process.exit(0)
}

function toInt (name: string, text: string | undefined, fallback: number): number {
  if (text === undefined || text === '') return fallback
  if (!/^\d+$/.test(text)) throw new Error(`${name} must be a non-negative integer, got "${text}"`)
  return Number(text)
}

const port = toInt('port', values.port ?? process.env.PORT, 4102)
const host = values.host ?? process.env.HOST ?? '127.0.0.1'
const token = values.token ?? process.env.CLOUDLOCK_SIM_TOKEN ?? DEV_TOKEN
const fixtures = values.fixtures ?? process.env.FIXTURES
const rateLimit = values['rate-limit'] === undefined
  ? false
  : { perMinute: toInt('rate-limit', values['rate-limit'], 60) }
const activity = toInt('activity-per-minute', values['activity-per-minute'] ?? process.env.ACTIVITY_PER_MINUTE, 0)
const limitOverflow = values['limit-overflow'] ?? 'clamp'
if (limitOverflow !== 'clamp' && limitOverflow !== 'error') throw new Error('--limit-overflow must be clamp or error')

const app = await buildCloudlockSimulator({
  token,
  seed: values.seed ?? process.env.SEED ?? 1,
  count: toInt('count', values.count ?? process.env.COUNT, 500),
  incidents: fixtures === undefined || fixtures === '' ? undefined : await loadFixtures(fixtures),
  rateLimit,
  limitOverflow,
  activity: activity > 0 ? { perMinute: activity } : undefined,
  logger: { level: 'info' }
})
await app.listen({ port, host })
const address = app.server.address()
const actualPort = address !== null && typeof address === 'object' ? address.port : port
const url = `http://${host.includes(':') ? `[${host}]` : host}:${actualPort}`
console.log(`Cloudlock simulator: ${url}${CLOUDLOCK_PREFIX} (admin: ${url}/__sim/requests)`)
console.log(token === DEV_TOKEN ? `Bearer token: ${DEV_TOKEN} (development default)` : 'Bearer token: as configured')

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => { app.close().then(() => process.exit(0), () => process.exit(1)) })
}
