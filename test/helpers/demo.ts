import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../src/app.ts'
import { loadConfig } from '../../src/config/load.ts'
import { startDemo } from '../../src/demo/start-demo.ts'
import { captureLogs } from './build.ts'

export interface DemoGateway {
  app: FastifyInstance
  url: string
  apiKey: string
  close: () => Promise<void>
}

// Demo mode in-process, entered explicitly (DEMO=true), on an ephemeral loopback port: what
// `npm start` serves, with the default seed unless the environment map says otherwise.
export async function startDemoGateway (env: Record<string, string> = {}): Promise<DemoGateway> {
  const config = loadConfig({ DEMO: 'true', AUDIT_LOG: 'off', DEMO_API_KEY: 'demo-test-key-0123456789', ...env })
  const demo = await startDemo(config)
  const { logger } = captureLogs('warn')
  const app = await buildApp(demo.config, { logger })
  const url = await app.listen({ host: '127.0.0.1', port: 0 })
  return {
    app,
    url,
    apiKey: demo.apiKey,
    close: async () => {
      await app.close()
      await demo.close()
    }
  }
}
