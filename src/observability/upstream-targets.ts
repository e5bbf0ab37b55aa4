import { API_KEY_TOKEN_PATH } from '../vendors/zwa/auth-flows.ts'
import { zwaOperation as zwaOperationOf } from '../vendors/zwa/operations.ts'
import type { ProviderConfig } from '../config/schema.ts'

// Maps an outgoing undici request (origin + path) to the configured provider and a named vendor
// operation, so upstream metrics and spans get low-cardinality labels without touching adapters.

export interface UpstreamTarget {
  provider: string // provider instance id (or the ids sharing an unresolvable base URL, joined by '+')
  providerType: 'zwa' | 'cloudlock'
  operation: string // one of OPERATIONS[providerType] or 'other'
}

// Every operation name a provider type can produce (besides 'other'); metrics are zeroed for these.
export const OPERATIONS = {
  zwa: ['token', 'search', 'details', 'close', 'notes', 'labels', 'change_history', 'evidence', 'triggers', 'tickets', 'groups', 'transactions'],
  cloudlock: ['list', 'get', 'update']
} as const

export const TOKEN_OPERATION = 'token'

const INCIDENT_PATH = /^\/incidents(?:\/([^/]+)(?:\/(.+))?)?$/

// ZWA operation names come from the adapter's own table (src/vendors/zwa/operations.ts), so the
// metric labels and the rate-budget classes can never drift apart.
const zwaOperation = (method: string, rest: string): string => zwaOperationOf(method, rest).operation

// `rest` is the path below the Cloudlock base URL's path (/api/v2).
function cloudlockOperation (method: string, rest: string): string {
  const m = INCIDENT_PATH.exec(rest)
  if (!m || m[2] !== undefined) return 'other'
  if (m[1] === undefined) return method === 'GET' ? 'list' : 'other'
  if (method === 'GET') return 'get'
  return method === 'PUT' ? 'update' : 'other'
}

interface Route {
  key: string // what makes two providers indistinguishable by URL: kind, base path, prefix
  basePath: string // no trailing slash; '' for none
  classify: (method: string, rest: string) => string
  providers: Array<{ id: string, type: 'zwa' | 'cloudlock', bearer?: string }>
}

const trimSlash = (path: string) => path.replace(/\/+$/, '')

export type UpstreamResolver = (origin: string, method: string, path: string, headers: unknown) => UpstreamTarget | undefined

// Builds the resolver for the configured providers. Several providers on one base URL (two
// Cloudlock tenants) are told apart by their static bearer token, compared in memory only; ZWA
// tokens are dynamic, so ZWA instances sharing a base URL share the label 'a+b'.
export function upstreamResolver (providers: readonly ProviderConfig[]): UpstreamResolver {
  const byOrigin = new Map<string, Route[]>()
  const add = (url: string, kind: string, classify: Route['classify'], provider: Route['providers'][number]) => {
    const u = new URL(url)
    const routes = byOrigin.get(u.origin) ?? []
    byOrigin.set(u.origin, routes)
    const basePath = trimSlash(u.pathname)
    const key = `${kind} ${basePath}`
    const route = routes.find((r) => r.key === key)
    if (route) route.providers.push(provider)
    else routes.push({ key, basePath, classify, providers: [provider] })
    routes.sort((a, b) => b.basePath.length - a.basePath.length) // most specific base path first
  }
  for (const p of providers) {
    if (p.type === 'zwa') {
      const prefix = trimSlash(p.path_prefix)
      const classify = (method: string, rest: string) => {
        if (rest === API_KEY_TOKEN_PATH) return method === 'POST' ? TOKEN_OPERATION : 'other'
        return rest.startsWith(prefix + '/') ? zwaOperation(method, rest.slice(prefix.length)) : 'other'
      }
      add(p.base_url, `zwa ${prefix}`, classify, { id: p.id, type: 'zwa' })
      // OneAPI tokens come from ZIdentity, usually another host: every call to token_url is `token`.
      if (p.auth.mode === 'oneapi') add(p.auth.token_url, 'oneapi-token', () => TOKEN_OPERATION, { id: p.id, type: 'zwa' })
    } else {
      add(p.base_url, 'cloudlock', cloudlockOperation, { id: p.id, type: 'cloudlock', bearer: `Bearer ${p.token}` })
    }
  }

  return (origin, method, rawPath, headers) => {
    const routes = byOrigin.get(origin)
    if (!routes) return undefined
    const q = rawPath.indexOf('?')
    const path = q === -1 ? rawPath : rawPath.slice(0, q)
    for (const route of routes) {
      if (route.basePath && !(path === route.basePath || path.startsWith(route.basePath + '/'))) continue
      const operation = route.classify(method, path.slice(route.basePath.length))
      const owner = route.providers.length === 1 ? route.providers[0] : pickByBearer(route.providers, headers)
      if (owner) return { provider: owner.id, providerType: owner.type, operation }
      return { provider: route.providers.map((p) => p.id).join('+'), providerType: route.providers[0].type, operation }
    }
    return undefined
  }
}

function pickByBearer (providers: Route['providers'], headers: unknown): Route['providers'][number] | undefined {
  if (!Array.isArray(headers)) return undefined
  for (let i = 0; i + 1 < headers.length; i += 2) {
    if (String(headers[i]).toLowerCase() !== 'authorization') continue
    const value = String(headers[i + 1])
    return providers.find((p) => p.bearer !== undefined && p.bearer === value)
  }
  return undefined
}
