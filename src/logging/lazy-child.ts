import type { FastifyBaseLogger } from 'fastify'
import type { Bindings, ChildLoggerOptions, LevelWithSilentOrString, Logger } from 'pino'

type Level = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace'
type LogFn = (...args: unknown[]) => void

// A request's logger, made on its first record rather than with the request. Every request gets a
// child logger bound to its id; pino builds a child's bindings text at once, and through the
// redaction paths' wildcard (src/logging/logger.ts) that was ~4 % of a detail read's CPU at level
// warn, where most requests log nothing (BENCHMARKS.md section 1). A record at an enabled level, a
// level change, a grandchild or a read of the bindings makes the real child: what it writes is the
// same. Options (a route's own log level) make it at once, since they decide what is enabled.
export class LazyChildLogger {
  readonly #parent: Logger
  readonly #bindings: Bindings
  #real: Logger | undefined

  constructor (parent: Logger, bindings: Bindings) {
    this.#parent = parent
    this.#bindings = bindings
  }

  // The real child, made once; `made` tells tests whether it exists yet.
  get made (): boolean { return this.#real !== undefined }
  #logger (): Logger {
    this.#real ??= this.#parent.child(this.#bindings)
    return this.#real
  }

  #write (level: Level, args: unknown[]): void {
    const logger = this.#real ?? this.#parent
    if (!logger.isLevelEnabled(level)) return
    ;(this.#logger()[level] as LogFn)(...args)
  }

  get level (): LevelWithSilentOrString { return (this.#real ?? this.#parent).level }
  set level (value: LevelWithSilentOrString) { this.#logger().level = value }
  isLevelEnabled (level: string): boolean { return (this.#real ?? this.#parent).isLevelEnabled(level) }
  bindings (): Bindings { return this.#logger().bindings() }
  child (bindings: Bindings, options?: ChildLoggerOptions): Logger {
    return this.#logger().child(bindings, options)
  }

  fatal (...args: unknown[]): void { this.#write('fatal', args) }
  error (...args: unknown[]): void { this.#write('error', args) }
  warn (...args: unknown[]): void { this.#write('warn', args) }
  info (...args: unknown[]): void { this.#write('info', args) }
  debug (...args: unknown[]): void { this.#write('debug', args) }
  trace (...args: unknown[]): void { this.#write('trace', args) }
  silent (): void {}
}

// Fastify's childLoggerFactory. A logger that is not pino's (none is, today) gets its child at once.
export function lazyChildLogger (logger: FastifyBaseLogger, bindings: Bindings,
  options: ChildLoggerOptions): FastifyBaseLogger {
  const pinoLogger = logger as unknown as Logger
  if (Object.keys(options).length > 0 || typeof pinoLogger.isLevelEnabled !== 'function') {
    return logger.child(bindings, options)
  }
  return new LazyChildLogger(pinoLogger, bindings) as unknown as FastifyBaseLogger
}
