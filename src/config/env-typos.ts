import { knownEnvNames } from './load.ts'

type Env = Record<string, string | undefined>

// Families of variables the config loader owns: an unknown name in one of them is most likely a
// misspelt setting (ZWA_BASEURL), which the loader would otherwise silently ignore.
// Every known name but the generic HOST, PORT and LOG_LEVEL belongs to one (test/config/run-mode.test.ts).
export const OWNED_PREFIXES = [
  'ZWA_', 'CLOUDLOCK_', 'DEMO', 'API_KEY', 'CURSOR_', 'REDIS_', 'GATEWAY_', 'METRICS_', 'AUDIT_',
  'RATE_LIMIT', 'REQUEST_TIMEOUT', 'DEFAULT_PAGE', 'BODY_LIMIT', 'SHUTDOWN_', 'TRUST_PROXY', 'UPSTREAM_CALLS',
  'DATABASE_', 'DATA_DIR', 'CHANGES_', 'WEBHOOKS_'
]

// Kubernetes injects <SERVICE>_SERVICE_HOST, <SERVICE>_PORT_6379_TCP_ADDR, ... for every Service of
// the namespace; a Service named `redis` must not read as a typo (test/config/run-mode.test.ts).
const SERVICE_LINK = /_(SERVICE_HOST|SERVICE_PORT(_[A-Z0-9_]+)?|PORT(_\d+_(TCP|UDP|SCTP)(_(PROTO|PORT|ADDR))?)?)$/

export interface EnvTypo {
  name: string
  closest: string
}

// Optimal string alignment distance: a swap of two neighbours counts as one edit.
function distance (a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)])
  for (let j = 1; j <= b.length; j++) d[0][j] = j
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1)
      }
    }
  }
  return d[a.length][b.length]
}

// Unknown variables in the gateway's families, each with the closest known name. Names only: a
// value may be a secret (test/config/run-mode.test.ts, test/server.test.ts).
export function envTypos (env: Env): EnvTypo[] {
  const known = knownEnvNames()
  const out: EnvTypo[] = []
  for (const name of Object.keys(env).sort()) {
    const upper = name.toUpperCase() // zwa_base_url is a typo too: the loader reads upper case only
    if (known.includes(name) || SERVICE_LINK.test(upper)) continue
    const prefix = OWNED_PREFIXES.find((p) => upper.startsWith(p))
    if (prefix === undefined) continue
    // A name of the same family first (API_KEY means API_KEY_SHA256, not the nearer DEMO_API_KEY).
    const family = known.filter((k) => k.startsWith(prefix))
    let closest = (family.length > 0 ? family : known)[0]
    for (const candidate of family.length > 0 ? family : known) {
      if (distance(upper, candidate) < distance(upper, closest)) closest = candidate
    }
    out.push({ name, closest })
  }
  return out
}

export const describeTypo = (typo: EnvTypo) =>
  `${typo.name} is not a setting of the gateway and is ignored (did you mean ${typo.closest}?)`
