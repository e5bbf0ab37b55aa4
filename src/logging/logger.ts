import { pino, type DestinationStream, type Logger } from 'pino'

// Paths pino masks wherever such objects are logged. Fastify's request serializer below logs
// no headers at all; these paths guard every other object a plugin or adapter may log.
export const REDACT_PATHS = [
  'req.headers.authorization', 'req.headers.cookie', 'req.headers["x-api-key"]', 'req.headers["proxy-authorization"]',
  'res.headers["set-cookie"]', 'headers.authorization', 'headers.cookie', 'headers["x-api-key"]',
  'authorization', 'cookie', 'token', 'access_token', 'secret', 'password', 'api_key', 'key_secret', 'client_secret',
  '*.authorization', '*.cookie', '*.token', '*.access_token', '*.secret', '*.password', '*.api_key', '*.key_secret',
  '*.client_secret',
  '*.*.token', '*.*.secret', '*.*.key_secret', '*.*.client_secret', '*.*.api_key',
  'config.cursor.secret', 'config.redis_url', 'config.demo.api_key'
]

export interface LoggerOptions {
  level?: string
  stream?: DestinationStream
}

// JSON lines to stdout (or the given stream). Query strings are kept out of logged URLs since a
// cursor or filter value is the caller's business, not the log reader's.
export function createLogger (opts: LoggerOptions = {}): Logger {
  return pino({
    level: opts.level ?? 'info',
    base: { service: 'dlp-incident-gateway' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
    serializers: {
      req (req: { method: string, url: string, ip?: string, headers?: Record<string, unknown> }) {
        return {
          method: req.method,
          path: String(req.url).split('?')[0],
          remote_address: req.ip,
          user_agent: req.headers?.['user-agent']
        }
      },
      res (res: { statusCode: number }) {
        return { status: res.statusCode }
      },
      err: pino.stdSerializers.err
    }
  }, opts.stream)
}
