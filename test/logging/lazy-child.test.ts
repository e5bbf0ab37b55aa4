import { Writable } from 'node:stream'
import type { FastifyBaseLogger } from 'fastify'
import t from 'tap'
import { LazyChildLogger, lazyChildLogger } from '../../src/logging/lazy-child.ts'
import { createLogger } from '../../src/logging/logger.ts'

function capture (level: string) {
  const lines: Array<Record<string, unknown>> = []
  const stream = new Writable({
    write (chunk, _enc, done) { lines.push(JSON.parse(String(chunk))); done() }
  })
  return { logger: createLogger({ level, stream }), lines }
}
const flush = () => new Promise((resolve) => setImmediate(resolve))

t.test('a request logger is made only when something is written at an enabled level', async (t) => {
  const { logger, lines } = capture('warn')
  const log = lazyChildLogger(logger, { request_id: 'r-1' }, {}) as unknown as LazyChildLogger
  t.type(log, LazyChildLogger)
  log.info({ token: 'tok' }, 'not enabled')
  log.debug('nor this')
  t.equal(log.level, 'warn')
  t.notOk(log.isLevelEnabled('info'))
  t.notOk(log.made, 'nothing written: no child made')
  log.warn({ token: 'tok-1' }, 'written')
  t.ok(log.made)
  log.error('again')
  await flush()
  t.equal(lines.length, 2)
  t.same(lines.map((l) => [l.msg, l.request_id]), [['written', 'r-1'], ['again', 'r-1']], 'the bindings are the request\'s')
  t.equal(lines[0].token, '[REDACTED]', 'redaction still applies')
})

t.test('the same records as an eager child, levels and grandchildren included', async (t) => {
  const eager = capture('info')
  const lazy = capture('info')
  const a = eager.logger.child({ request_id: 'r-2' })
  const b = lazyChildLogger(lazy.logger, { request_id: 'r-2' }, {})
  for (const log of [a, b] as FastifyBaseLogger[]) {
    log.info({ n: 1 }, 'one')
    log.trace('hidden')
    log.level = 'trace'
    log.trace('shown')
    log.child({ part: 'x' }).info('grandchild')
  }
  await flush()
  const strip = (lines: Array<Record<string, unknown>>) => lines.map(({ time: _t, pid: _p, ...rest }) => rest)
  t.strictSame(strip(lazy.lines), strip(eager.lines))
  t.equal(lazy.lines.length, 3)
})

t.test('options, such as a route\'s own level, make the child at once', async (t) => {
  const { logger } = capture('warn')
  const log = lazyChildLogger(logger, { request_id: 'r-3' }, { level: 'debug' })
  t.notOk(log instanceof LazyChildLogger)
  t.equal(log.level, 'debug')
})
