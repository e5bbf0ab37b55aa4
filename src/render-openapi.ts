import { buildApp } from './app.ts'
import { loadConfig } from './config/load.ts'
import { createLogger } from './logging/logger.ts'
import { openApiYaml } from './openapi/yaml-text.ts'

// The OpenAPI document as YAML, from an app built with an empty environment: routes do not
// depend on configuration, so this is what every deployment serves.
export async function renderOpenApi (): Promise<string> {
  const app = await buildApp(loadConfig({}), { logger: createLogger({ level: 'silent' }) })
  try {
    await app.ready()
    return openApiYaml(app)
  } finally {
    await app.close()
  }
}
