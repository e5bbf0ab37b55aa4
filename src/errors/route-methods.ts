// The methods served on each route pattern, so a known path asked with another method is a 405
// with `Allow` (RFC 9110 15.5.6) rather than a 404 that reads as "no such resource".
export class RouteMethods {
  private readonly routes: Array<{ segments: string[], methods: Set<string> }> = []

  add (url: string, method: string | string[]): void {
    const segments = url.split('/')
    let route = this.routes.find((r) => r.segments.join('/') === segments.join('/'))
    if (!route) {
      route = { segments, methods: new Set() }
      this.routes.push(route)
    }
    for (const m of Array.isArray(method) ? method : [method]) route.methods.add(m.toUpperCase())
  }

  // Methods served on a concrete path (query string ignored), in a stable order; [] if none.
  allowedFor (url: string): string[] {
    const path = url.split('?')[0].split('/')
    const out = new Set<string>()
    for (const route of this.routes) if (matches(route.segments, path)) for (const m of route.methods) out.add(m)
    return [...out].sort()
  }
}

// Fastify patterns: `:name` takes one non-empty segment, a trailing `*` the rest of the path.
function matches (pattern: string[], path: string[]): boolean {
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i]
    if (p === '*' && i === pattern.length - 1) return true
    if (i >= path.length) return false
    if (p.includes(':') ? path[i] === '' : p !== path[i]) return false
  }
  return pattern.length === path.length
}
