import { parseArgs } from 'node:util'
import closeWithGrace from 'close-with-grace'
import { buildApp } from './app.ts'
import { ConfigError } from './config/config-error.ts'
import { describeTypo, envTypos } from './config/env-typos.ts'
import { isDemoMode, loadConfig } from './config/load.ts'
import { checkRunMode } from './config/run-mode.ts'
import type { Config } from './config/schema.ts'
import type { Demo } from './demo/start-demo.ts'
import { createLogger } from './logging/logger.ts'
import { startTracing } from './observability/tracing-sdk.ts'

// The only flag is --demo (spec 8); anything else is refused like a bad setting, so a misspelt
// flag never starts something other than what was asked for (test/server.test.ts).
function readFlags (argv: string[]): { demo: boolean } {
  try {
    return {
      demo: parseArgs({ args: argv, options: { demo: { type: 'boolean' } }, strict: true }).values.demo === true
    }
  } catch (err) {
    throw new ConfigError(`Invalid arguments: ${(err as Error).message.split('\n')[0]} (the only option is --demo)`)
  }
}

// Reads the configuration, builds the app, listens, and shuts down gracefully on SIGTERM/SIGINT.
async function main (): Promise<void> {
  let config: Config
  try {
    config = loadConfig(process.env, readFlags(process.argv.slice(2)))
    checkRunMode(config, process.env)
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`)
      process.exit(78) // EX_CONFIG
    }
    throw err
  }

  let demo: Demo | undefined
  if (isDemoMode(config)) {
    try {
      // Imported only here: the simulators are not part of the production start path (nor of the image;
      // test/server-start-path.test.ts).
      const { startDemo } = await import('./demo/start-demo.ts')
      demo = await startDemo(config)
    } catch (err) {
      process.stderr.write(
        `${err instanceof ConfigError ? err.message : `Demo mode failed to start: ${(err as Error).message}`}\n`)
      process.exit(78)
    }
    config = demo.config
  }
  const logger = createLogger({ level: config.server.log_level })
  for (const typo of envTypos(process.env)) {
    logger.warn({ variable: typo.name, closest: typo.closest }, describeTypo(typo))
  }
  // Before the app is built, so its tracing plugin finds the SDK. OTEL_* variables are read by the
  // OpenTelemetry SDK itself (the documented exception to "only config/load.ts reads the environment").
  const tracing = await startTracing(process.env)
  for (const warning of tracing.warnings) logger.warn(warning)
  if (tracing.exporters.length > 0) logger.info({ exporters: tracing.exporters }, 'tracing enabled')
  const app = await buildApp(config, { logger })

  closeWithGrace({ delay: 10_000 + config.server.shutdown_drain_ms, logger }, async ({ signal, err }) => {
    if (err) logger.error({ err }, 'shutting down after an error')
    else logger.info({ signal }, 'shutting down')
    app.beginShutdown()
    if (config.server.shutdown_drain_ms > 0) {
      await new Promise((resolve) => setTimeout(resolve, config.server.shutdown_drain_ms))
    }
    await app.close()
    await demo?.close()
    await tracing.shutdown() // flushes pending spans
  })

  const url = await app.listen({ host: config.server.host, port: config.server.port })
  logger.info({ url, providers: config.providers.map((p) => p.id), demo: demo !== undefined }, 'gateway listening')
  process.stdout.write(`DLP incident gateway listening on ${url} (API docs: ${url}/docs)\n`)
  if (demo) {
    process.stdout.write([
      `Demo mode: simulated providers zwa (${demo.simulators.zwa}) and cloudlock (${demo.simulators.cloudlock}), ` +
        `${config.demo.incidents} incidents each, seed ${config.demo.seed}.`,
      `Demo API key: ${demo.apiKey}`,
      `Try: curl -H "Authorization: Bearer ${demo.apiKey}" "${url}/v1/incidents?limit=5"`,
      ''
    ].join('\n'))
  }
}

await main()
