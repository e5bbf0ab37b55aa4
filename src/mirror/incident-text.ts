import { createHash } from 'node:crypto'
import { createRequire } from 'node:module'
import { Incident } from '../schemas/incident.ts'
import { lazySerializer, schemasById } from '../schemas/serializer.ts'

// The Incident as JSON text, the one form GET /v1/changes writes an incident in: the Incident
// serializer the routes use (fast-json-stringify through Fastify's own factory), fields in the
// schema's order, undeclared ones dropped, so an incident reads the same in GET /v1/changes as in
// GET /v1/incidents (a client hashing its JSON text, as examples/soar-loop.mjs does, must see one
// state once, not twice).
//
// The mirror stores each change's incident in this form next to its jsonb (changes.incident_text,
// migration 005), so a caller whose view of the incident is the stored form itself is served the
// stored text without parsing and re-serializing it (src/mirror/change-feed.ts).

export const serializeIncident = lazySerializer<unknown>(Incident, '/v1/changes')

// A schema as far as it decides the text: annotations (descriptions, examples, titles) left out,
// so that editing them keeps stored texts servable; property names are kept whatever they are.
const ANNOTATIONS = new Set(['description', 'examples', 'title', '$comment'])
function shape (schema: unknown, refs: Set<string>): unknown {
  if (Array.isArray(schema)) return schema.map((s) => shape(s, refs))
  if (schema === null || typeof schema !== 'object') return schema
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'properties') {
      out[key] = Object.fromEntries(Object.entries(value as object).map(([name, s]) => [name, shape(s, refs)]))
    } else if (!ANNOTATIONS.has(key)) {
      if (key === '$ref' && typeof value === 'string') refs.add(value)
      out[key] = shape(value, refs)
    }
  }
  return out
}

const serializerVersion = (): string => {
  const compiler = createRequire(import.meta.url).resolve('@fastify/fast-json-stringify-compiler')
  return (createRequire(compiler)('fast-json-stringify/package.json') as { version: string }).version
}

// What the text depends on: the Incident schema with every schema it refers to, and the serializer's
// version. Stored with each text (changes.incident_form): a text written by a release whose form
// differs from this one's is not served, its incident is parsed and serialized again instead
// (test/mirror/incident-text.test.ts), so a schema change never leaves old texts in an old order.
export function textForm (schema: unknown = Incident, version = serializerVersion(),
  schemas: Record<string, unknown> = schemasById): string {
  const refs = new Set<string>()
  const parts: unknown[] = [version, shape(schema, refs)]
  // The schemas it refers to, and those they refer to, each once, in the order first met.
  for (const id of refs) parts.push(id, shape(schemas[id], refs))
  return createHash('sha256').update(JSON.stringify(parts)).digest('base64url').slice(0, 16)
}

export const INCIDENT_TEXT_FORM = textForm()
