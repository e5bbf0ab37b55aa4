// Incident endpoints are declared as data (method, path, rate-limit class, handler) and mounted under
// each prefix with the bearer guard in front.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { ZwaContext } from './context.ts'
import { notFound } from './errors.ts'
import { bearerGuard } from './guard.ts'
import type { LimitClass } from './rate-limit.ts'
import type { TokenKind } from './tokens.ts'
import type { Incident } from './types.ts'

export type Handler = (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>

export interface RouteDef {
  method: 'GET' | 'POST' | 'DELETE'
  url: string // below the prefix
  cls: LimitClass // reference §5: light 30/min 1000/h, medium 20/min 400/h
  handler: Handler
}

export function mountRoutes (app: FastifyInstance, ctx: ZwaContext, kind: TokenKind, defs: RouteDef[]): void {
  for (const def of defs) {
    // Both prefixes share one endpoint key, so they share one rate-limit counter.
    const endpoint = `${def.method} ${def.url}`
    app.route({
      method: def.method,
      url: def.url,
      preHandler: bearerGuard(ctx, def.cls, endpoint, kind),
      handler: def.handler
    })
  }
}

export function paramOf (request: FastifyRequest, name: string): string {
  return (request.params as Record<string, string>)[name]
}

export function incidentOf (ctx: ZwaContext, request: FastifyRequest): Incident {
  const id = paramOf(request, 'dlpIncidentId')
  const incident = ctx.store.get(id)
  if (incident === undefined) throw notFound(`Incident not found: ${id}`)
  return incident
}
