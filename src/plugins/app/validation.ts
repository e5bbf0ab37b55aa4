import { Ajv } from 'ajv'
import addFormats from 'ajv-formats'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { parseClientTime } from '../../mapping/timestamps.ts'

// Two validators: query, params and headers arrive as strings and are coerced; JSON bodies are
// taken as typed, so "5" is not a number and unknown fields are refused, not stripped.
function makeAjv (coerce: boolean): Ajv {
  const ajv = new Ajv({ allErrors: true, coerceTypes: coerce, useDefaults: true, removeAdditional: false, strict: false, allowUnionTypes: true })
  addFormats.default(ajv)
  // Stricter than ajv-formats: no leap second, nothing outside years 1-9999 in UTC, so a request
  // date-time is always one the gateway can convert and the vendors accept (spec 6).
  ajv.addFormat('date-time', { type: 'string', validate: (value: string) => parseClientTime(value) !== null })
  return ajv
}

async function validation (app: FastifyInstance) {
  const bodyAjv = makeAjv(false)
  const stringAjv = makeAjv(true)
  app.setValidatorCompiler(({ schema, httpPart }) => {
    const ajv = httpPart === 'body' ? bodyAjv : stringAjv
    return ajv.compile(schema)
  })
}

export default fp(validation, { name: 'validation', fastify: '5.x' })
