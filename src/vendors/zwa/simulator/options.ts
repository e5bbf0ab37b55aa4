// Options of buildZwaSimulator and their defaults. Each choice the reference leaves open ([INF]/[?]) is
// a default here with the alternative behind an option; docs/simulator-zwa.md explains them.
import type { FastifyServerOptions } from 'fastify'
import { checkActivityOptions, type ActivityOptions } from '../../../sim-kit/activity.ts'
import { systemClock } from '../../../sim-kit/clock.ts'
import type { Clock } from '../../../sim-kit/clock.ts'
import type { TieOrder } from '../../../sim-kit/tie-order.ts'
import { DEFAULT_EVIDENCE_BASE } from './derive.ts'
import { RESOLUTIONS } from './enums.ts'
import { DEFAULT_ANCHOR } from './generate.ts'
import type { PageIdBodyPolicy } from './paged-search.ts'
import { DEFAULT_LIMITS } from './rate-limit.ts'
import type { Limit, RateLimitConfig } from './rate-limit.ts'
import type { WritePolicy } from './writes.ts'

export const DEFAULT_CREDENTIALS = {
  keyId: 'sim-zwa-key-id',
  keySecret: 'sim-zwa-key-secret',
  clientId: 'sim-zwa-client-id',
  clientSecret: 'sim-zwa-client-secret'
} as const

export const ONEAPI_AUDIENCE = 'https://api.zscaler.com'

export interface ZwaSimOptions {
  keyId?: string // API key accepted by POST /v1/auth/api-key/token
  keySecret?: string
  clientId?: string // OneAPI client accepted by POST /oauth2/v1/token
  clientSecret?: string
  tokenTtlSeconds?: number // native token lifetime, default 43200 (12 h, as in the real sample)
  oneApiTokenTtlSeconds?: number // OneAPI token lifetime, default 3600
  // 'any': a token from either flow works on both prefixes; 'strict': API-key tokens only on /dlp/v1,
  // OneAPI tokens only on /zwa/dlp/v1.
  tokenPrefixes?: 'any' | 'strict'
  seed?: number | string // default 1
  count?: number // generated incidents, default 500
  anchor?: string // generated createdAt values lie in the 90 days before it
  incidents?: unknown[] // native records replacing the generated ones
  clock?: Clock
  logger?: FastifyServerOptions['logger']
  rateLimits?: false | RateLimitOptions // default false: no limits (as in demo mode)
  rateLimitResetStyle?: 'delta' | 'epoch' // RateLimit-Reset as seconds to wait or as a Unix time
  pageIdTtlSeconds?: number // default 600
  pageIdBody?: PageIdBodyPolicy // a pageId request whose body differs: 'ignore' (default) or 'reject'
  defaultPageSize?: number // default 50
  maxPageSize?: number // default 100
  pageCap?: number // pages hold at most this many items whatever pageSize asks (default: none)
  tieOrder?: TieOrder // order of incidents created in the same millisecond (default 'id': descending)
  caseSensitiveFilters?: boolean // default false: "high" matches HIGH
  emptyGroupSearch?: 'all' | 'none' // incident-groups/search with [] : every group of the incident, or none
  labelsMode?: WritePolicy['labelsMode'] // default 'merge'
  closeResolved?: WritePolicy['closeResolved'] // default 'allow'
  defaultResolutionCode?: string | null // default 'FALSE_POSITIVE'
  resolutionCodes?: readonly string[] // default FALSE_POSITIVE, TRUE_POSITIVE, BENIGN
  evidenceBaseUrl?: string
  requestLogSize?: number
  activity?: ActivityOptions // console activity (docs/simulators.md); seed defaults to `seed`
}

export interface RateLimitOptions {
  light?: Partial<Limit>
  medium?: Partial<Limit>
  token?: Partial<Limit>
  scope?: RateLimitConfig['scope'] // default 'endpoint'
}

export interface ResolvedOptions {
  keyId: string
  keySecret: string
  clientId: string
  clientSecret: string
  tokenTtlSeconds: number
  oneApiTokenTtlSeconds: number
  tokenPrefixes: 'any' | 'strict'
  seed: number | string
  count: number
  anchor: string
  incidents?: unknown[]
  clock: Clock
  logger: FastifyServerOptions['logger']
  rateLimits: RateLimitConfig | false
  rateLimitResetStyle: 'delta' | 'epoch'
  pageIdTtlSeconds: number
  pageIdBody: PageIdBodyPolicy
  defaultPageSize: number
  maxPageSize: number
  pageCap?: number
  tieOrder: TieOrder
  caseSensitiveFilters: boolean
  emptyGroupSearch: 'all' | 'none'
  write: WritePolicy
  evidenceBaseUrl: string
  requestLogSize: number
  activity?: ActivityOptions
}

function positiveInt (name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`ZWA simulator option ${name} must be a positive integer, got ${value}`)
  }
  return value
}

function limit (name: string, base: Limit, given: Partial<Limit> | undefined): Limit {
  return {
    perMinute: positiveInt(`rateLimits.${name}.perMinute`, given?.perMinute ?? base.perMinute),
    perHour: positiveInt(`rateLimits.${name}.perHour`, given?.perHour ?? base.perHour)
  }
}

export function resolveOptions (o: ZwaSimOptions): ResolvedOptions {
  const count = o.count ?? 500
  if (!Number.isSafeInteger(count) || count < 0) {
    throw new RangeError(`ZWA simulator option count must be an integer >= 0, got ${count}`)
  }
  const rl = o.rateLimits
  checkActivityOptions('ZWA', o.activity)
  const maxPageSize = positiveInt('maxPageSize', o.maxPageSize ?? 100)
  const defaultPageSize = positiveInt('defaultPageSize', o.defaultPageSize ?? 50)
  if (defaultPageSize > maxPageSize) {
    throw new RangeError(
      `ZWA simulator option defaultPageSize (${defaultPageSize}) exceeds maxPageSize (${maxPageSize})`)
  }
  return {
    keyId: o.keyId ?? DEFAULT_CREDENTIALS.keyId,
    keySecret: o.keySecret ?? DEFAULT_CREDENTIALS.keySecret,
    clientId: o.clientId ?? DEFAULT_CREDENTIALS.clientId,
    clientSecret: o.clientSecret ?? DEFAULT_CREDENTIALS.clientSecret,
    tokenTtlSeconds: positiveInt('tokenTtlSeconds', o.tokenTtlSeconds ?? 43_200),
    oneApiTokenTtlSeconds: positiveInt('oneApiTokenTtlSeconds', o.oneApiTokenTtlSeconds ?? 3600),
    tokenPrefixes: o.tokenPrefixes ?? 'any',
    seed: o.seed ?? 1,
    count,
    anchor: o.anchor ?? DEFAULT_ANCHOR,
    incidents: o.incidents,
    clock: o.clock ?? systemClock,
    logger: o.logger ?? false,
    rateLimits: rl === undefined || rl === false
      ? false
      : {
          light: limit('light', DEFAULT_LIMITS.light, rl.light),
          medium: limit('medium', DEFAULT_LIMITS.medium, rl.medium),
          token: limit('token', DEFAULT_LIMITS.token, rl.token),
          scope: rl.scope ?? 'endpoint'
        },
    rateLimitResetStyle: o.rateLimitResetStyle ?? 'delta',
    pageIdTtlSeconds: positiveInt('pageIdTtlSeconds', o.pageIdTtlSeconds ?? 600),
    pageIdBody: o.pageIdBody ?? 'ignore',
    defaultPageSize,
    maxPageSize,
    pageCap: o.pageCap === undefined ? undefined : positiveInt('pageCap', o.pageCap),
    tieOrder: o.tieOrder ?? 'id',
    caseSensitiveFilters: o.caseSensitiveFilters ?? false,
    emptyGroupSearch: o.emptyGroupSearch ?? 'all',
    write: {
      labelsMode: o.labelsMode ?? 'merge',
      closeResolved: o.closeResolved ?? 'allow',
      defaultResolutionCode: o.defaultResolutionCode === undefined ? 'FALSE_POSITIVE' : o.defaultResolutionCode,
      resolutionCodes: o.resolutionCodes ?? RESOLUTIONS
    },
    evidenceBaseUrl: o.evidenceBaseUrl ?? DEFAULT_EVIDENCE_BASE,
    requestLogSize: o.requestLogSize ?? 1000,
    activity: o.activity
  }
}
