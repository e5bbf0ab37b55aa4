import type { BuiltPlugins, Test, TestOpts } from '@tapjs/test'
import { Writable } from 'node:stream'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../src/app.ts'
import { loadConfig } from '../../src/config/load.ts'
import { createLogger } from '../../src/logging/logger.ts'

export interface LogCapture {
  lines: Array<Record<string, unknown>>
  text: () => string
}

// A logger that keeps every emitted JSON line, so tests assert on what operators would read.
export function captureLogs (level = 'trace') {
  const capture: LogCapture = { lines: [], text: () => capture.lines.map((l) => JSON.stringify(l)).join('\n') }
  const stream = new Writable({
    write (chunk, _enc, cb) {
      for (const line of String(chunk).split('\n')) if (line.trim()) capture.lines.push(JSON.parse(line))
      cb()
    }
  })
  return { logger: createLogger({ level, stream }), capture }
}

// The gateway built from an environment map, with logs captured.
export async function buildTestApp (env: Record<string, string> = {}, extend?: (app: FastifyInstance) => void | Promise<void>) {
  const { logger, capture } = captureLogs()
  // Audit events are off unless a test asks for them, so they do not flood the test output.
  const app = await buildApp(loadConfig({ AUDIT_LOG: 'off', ...env }), { logger })
  if (extend) await extend(app)
  await app.ready()
  return { app, logs: capture }
}

// The type of a tap subtest, for helpers that take `t`.
export type TapTest = Test<BuiltPlugins, TestOpts> & BuiltPlugins
