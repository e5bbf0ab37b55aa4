import { Ajv } from 'ajv'
import addFormats from 'ajv-formats'
import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify'
import fp from 'fastify-plugin'
import { parseClientTime } from '../../mapping/timestamps.ts'
import { sharedSchemas } from '../../schemas/index.ts'
import type { LazySchemas } from './lazy-compile.ts'

// Two validators: query, params and headers arrive as strings and are coerced; JSON bodies are
// taken as typed, so "5" is not a number and unknown fields are refused, not stripped. Both know
// the shared schemas, so request schemas can reference the named enums. The string validator is
// verbose so an error about one entry of a comma list can name the entry.
function makeAjv (coerce: boolean): Ajv {
  const ajv = new Ajv({
    allErrors: true,
    coerceTypes: coerce,
    useDefaults: true,
    removeAdditional: false,
    strict: false,
    allowUnionTypes: true,
    verbose: coerce
  })
  addFormats.default(ajv)
  // Stricter than ajv-formats: no leap second, nothing outside years 1-9999 in UTC, so a request
  // date-time is always one the gateway can convert and the vendors accept (spec 6;
  // test/v1/time-filters.test.ts).
  ajv.addFormat('date-time', { type: 'string', validate: (value: string) => parseClientTime(value) !== null })
  for (const schema of sharedSchemas) ajv.addSchema(schema)
  return ajv
}

// Names of the array-typed properties of a route's querystring schema.
function arrayQueryParams (schema: unknown): string[] {
  const properties = (schema as { properties?: Record<string, { type?: unknown }> } | undefined)?.properties ?? {}
  return Object.keys(properties).filter((name) => properties[name].type === 'array')
}

// Array query parameters travel comma separated (`severity=high,critical`, OpenAPI `style: form,
// explode: false`); a repeated parameter is accepted too. Split them before validation so the
// schema checks each entry against its enum or pattern.
function splitCommaLists (names: string[]) {
  return async (request: FastifyRequest) => {
    const query = request.query as Record<string, unknown>
    for (const name of names) {
      const value = query[name]
      if (value === undefined) continue
      const parts = Array.isArray(value) ? value : [value]
      query[name] = parts.flatMap((part) => String(part).split(',')).map((s) => s.trim())
    }
  }
}

// Each route's validators are compiled on the route's first request (./lazy-compile.ts).
async function validation (app: FastifyInstance, opts: { schemas: LazySchemas }) {
  const bodyAjv = makeAjv(false)
  const stringAjv = makeAjv(true)
  app.setValidatorCompiler(({ schema, httpPart }) => {
    const ajv = httpPart === 'body' ? bodyAjv : stringAjv
    return opts.schemas.validator(() => ajv.compile(schema))
  })
  app.addHook('onRoute', (route: RouteOptions) => {
    const names = arrayQueryParams(route.schema?.querystring)
    if (names.length === 0) return
    const existing = route.preValidation === undefined
      ? []
      : Array.isArray(route.preValidation) ? route.preValidation : [route.preValidation]
    route.preValidation = [splitCommaLists(names), ...existing]
  })
}

export default fp(validation, { name: 'validation', fastify: '5.x' })
