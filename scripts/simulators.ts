// Both vendor simulators standalone, for running the gateway (or any client) against them:
// npm run simulators -- [--host 127.0.0.1] [--zwa-port 4101] [--cloudlock-port 4102] [--seed 1] [--count 500]
//   [--activity-per-minute 0]
// Prints each URL and its credentials, and the gateway settings that use them.
import { parseArgs } from 'node:util'
import { buildCloudlockSimulator, CLOUDLOCK_DEV_TOKEN, CLOUDLOCK_PREFIX } from '../src/vendors/cloudlock/simulator/app.ts'
import { buildZwaSimulator } from '../src/vendors/zwa/simulator/app.ts'
import { DEFAULT_CREDENTIALS } from '../src/vendors/zwa/simulator/options.ts'

const USAGE = `Usage: npm run simulators -- [options]
Starts the ZWA and Cloudlock simulators (each also runs alone: npm run sim:zwa, npm run sim:cloudlock).
  --host <addr>            listen address, default 127.0.0.1
  --zwa-port <n>           ZWA simulator port, default 4101 (0: any free port)
  --cloudlock-port <n>     Cloudlock simulator port, default 4102 (0: any free port)
  --seed <s>               data seed, default 1
  --count <n>              generated incidents per simulator, default 500
  --activity-per-minute <n>  console activity on each: about n new or changed incidents a minute (default 0)
  --help                   this text
Both generate their incidents over the same 90 days up to start-up. Credentials are the fixed
development defaults: the simulators guard nothing real.
`

function fail (message: string): never {
  process.stderr.write(`simulators: ${message}\n`)
  process.exit(2)
}

function int (name: string, text: string): number {
  if (!/^\d{1,9}$/.test(text)) fail(`--${name} must be a non-negative integer, got "${text}"`)
  return Number(text)
}

let values
try {
  values = parseArgs({
    options: {
      host: { type: 'string', default: '127.0.0.1' },
      'zwa-port': { type: 'string', default: '4101' },
      'cloudlock-port': { type: 'string', default: '4102' },
      seed: { type: 'string', default: '1' },
      count: { type: 'string', default: '500' },
      'activity-per-minute': { type: 'string', default: '0' },
      help: { type: 'boolean', short: 'h' }
    }
  }).values
} catch (err) {
  fail(`${(err as Error).message} (--help lists the options)`)
}
if (values.help === true) {
  process.stdout.write(USAGE)
  process.exit(0)
}

const seed = /^\d+$/.test(values.seed) ? Number(values.seed) : values.seed
const count = int('count', values.count)
const anchor = new Date().toISOString() // one span for both, as in demo mode
const perMinute = int('activity-per-minute', values['activity-per-minute'])
const activity = perMinute > 0 ? { perMinute } : undefined
const zwa = await buildZwaSimulator({ ...DEFAULT_CREDENTIALS, seed, count, anchor, activity })
const cloudlock = await buildCloudlockSimulator({ token: CLOUDLOCK_DEV_TOKEN, seed, count, anchor, activity })
try {
  const zwaUrl = await zwa.listen({ host: values.host, port: int('zwa-port', values['zwa-port']) })
  const cloudlockUrl = await cloudlock.listen({ host: values.host, port: int('cloudlock-port', values['cloudlock-port']) })
  const c = DEFAULT_CREDENTIALS
  process.stdout.write([
    `ZWA simulator: ${zwaUrl} (API ${zwaUrl}/dlp/v1, token: POST ${zwaUrl}/v1/auth/api-key/token, admin: ${zwaUrl}/__sim/requests)`,
    `  API key id: ${c.keyId}`,
    `  API key secret: ${c.keySecret}`,
    `  OneAPI client id: ${c.clientId}, client secret: ${c.clientSecret} (POST ${zwaUrl}/oauth2/v1/token)`,
    `Cloudlock simulator: ${cloudlockUrl}${CLOUDLOCK_PREFIX} (admin: ${cloudlockUrl}/__sim/requests)`,
    `  Bearer token: ${CLOUDLOCK_DEV_TOKEN}`,
    `${count} incidents each, seed ${values.seed}. A gateway against them (add API_KEY_SHA256 and CURSOR_SECRET):`,
    `  ZWA_BASE_URL=${zwaUrl} ZWA_KEY_ID=${c.keyId} ZWA_KEY_SECRET=${c.keySecret} \\`,
    `  CLOUDLOCK_BASE_URL=${cloudlockUrl}${CLOUDLOCK_PREFIX} CLOUDLOCK_TOKEN=${CLOUDLOCK_DEV_TOKEN}`,
    ''
  ].join('\n'))
} catch (err) {
  await Promise.allSettled([zwa.close(), cloudlock.close()])
  fail((err as Error).message)
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    Promise.allSettled([zwa.close(), cloudlock.close()]).then(() => process.exit(0), () => process.exit(1))
  })
}
