import { Ajv } from 'ajv'
import addFormats from 'ajv-formats'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'

// Two validators: query, params and headers arrive as strings and are coerced; JSON bodies are
// taken as typed, so "5" is not a number and unknown fields are refused, not stripped.
function makeAjv (coerce: boolean): Ajv {
  const ajv = new Ajv({ allErrors: true, coerceTypes: coerce, useDefaults: true, removeAdditional: false, strict: false, allowUnionTypes: true })
  addFormats.default(ajv)
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
