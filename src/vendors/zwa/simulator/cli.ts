// Standalone ZWA simulator: `node src/vendors/zwa/simulator/cli.ts [--port 4101] [--seed 1] [--count 500]
// [--fixtures file.json] [--rate-limits] [--activity-per-minute N]`. Flags win over environment variables.
import { parseArgs } from 'node:util'
import { buildZwaSimulator } from './app.ts'
import { loadZwaFixtures } from './fixtures.ts'
import { DEFAULT_CREDENTIALS } from './options.ts'

const HELP = `ZWA DLP incidents simulator

Options (environment variable in brackets):
  --port <n>          listen port [PORT], default 4101
  --host <addr>       listen address [HOST], default 127.0.0.1
  --seed <s>          data seed [SEED], default 1
  --count <n>         generated incidents [COUNT], default 500
  --fixtures <file>   JSON array of native incident records replacing the generated ones [FIXTURES]
  --key-id <s>        API key id [ZWA_KEY_ID], default ${DEFAULT_CREDENTIALS.keyId}
  --key-secret <s>    API key secret [ZWA_KEY_SECRET], default ${DEFAULT_CREDENTIALS.keySecret}
  --client-id <s>     OneAPI client id [ZWA_CLIENT_ID], default ${DEFAULT_CREDENTIALS.clientId}
  --client-secret <s> OneAPI client secret [ZWA_CLIENT_SECRET], default ${DEFAULT_CREDENTIALS.clientSecret}
  --rate-limits       enforce the documented rate limits [RATE_LIMITS=1]
  --reset-style <s>   RateLimit-Reset as "delta" seconds or "epoch" [RATE_LIMIT_RESET_STYLE], default delta
  --activity-per-minute <n>  console activity: about n new or changed incidents a minute
                      [ACTIVITY_PER_MINUTE], default 0 (off)
  --log               log requests as JSON lines [LOG=1]
  --help
`

function int (name: string, text: string): number {
  const n = Number(text)
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got "${text}"`)
  return n
}

async function main (): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      seed: { type: 'string' },
      count: { type: 'string' },
      fixtures: { type: 'string' },
      'key-id': { type: 'string' },
      'key-secret': { type: 'string' },
      'client-id': { type: 'string' },
      'client-secret': { type: 'string' },
      'rate-limits': { type: 'boolean' },
      'reset-style': { type: 'string' },
      'activity-per-minute': { type: 'string' },
      log: { type: 'boolean' },
      help: { type: 'boolean' }
    }
  })
  if (values.help === true) {
    process.stdout.write(HELP)
    return
  }
  const env = process.env
  const resetStyle = values['reset-style'] ?? env.RATE_LIMIT_RESET_STYLE ?? 'delta'
  if (resetStyle !== 'delta' && resetStyle !== 'epoch') {
    throw new Error(`reset style must be delta or epoch, got "${resetStyle}"`)
  }
  const fixtures = values.fixtures ?? env.FIXTURES
  const seedText = values.seed ?? env.SEED
  const activity = int('activity per minute', values['activity-per-minute'] ?? env.ACTIVITY_PER_MINUTE ?? '0')
  const app = await buildZwaSimulator({
    keyId: values['key-id'] ?? env.ZWA_KEY_ID,
    keySecret: values['key-secret'] ?? env.ZWA_KEY_SECRET,
    clientId: values['client-id'] ?? env.ZWA_CLIENT_ID,
    clientSecret: values['client-secret'] ?? env.ZWA_CLIENT_SECRET,
    seed: seedText === undefined ? undefined : (/^\d+$/.test(seedText) ? Number(seedText) : seedText),
    count: int('count', values.count ?? env.COUNT ?? '500'),
    incidents: fixtures === undefined || fixtures === '' ? undefined : await loadZwaFixtures(fixtures),
    rateLimits: values['rate-limits'] === true || env.RATE_LIMITS === '1' ? {} : false,
    rateLimitResetStyle: resetStyle,
    activity: activity > 0 ? { perMinute: activity } : undefined,
    logger: values.log === true || env.LOG === '1'
  })
  const url = await app.listen({
    port: int('port', values.port ?? env.PORT ?? '4101'), host: values.host ?? env.HOST ?? '127.0.0.1'
  })
  process.stdout.write(
    `ZWA simulator listening on ${url} (token: POST ${url}/v1/auth/api-key/token, API: ${url}/dlp/v1)\n`)
  const stop = (): void => { app.close().then(() => process.exit(0), () => process.exit(1)) }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
}

main().catch((err: unknown) => {
  process.stderr.write(`zwa simulator: ${(err as Error).message}\n`)
  process.exit(1)
})
