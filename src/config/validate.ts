import { Ajv, type ErrorObject } from 'ajv'
import addFormats from 'ajv-formats'
import type { TSchema } from 'typebox'
import { ConfigError } from './config-error.ts'

// Env values arrive as strings, so config validation coerces scalars; defaults fill what is absent.
const ajv = new Ajv({ allErrors: true, coerceTypes: true, useDefaults: true, removeAdditional: false, strict: false })
addFormats.default(ajv)
const compiled = new WeakMap<TSchema, ReturnType<typeof ajv.compile>>()

export type OriginOf = (pointer: string) => string

function describe (e: ErrorObject): { pointer: string, message: string } {
  const p = e.params as Record<string, unknown>
  if (e.keyword === 'additionalProperties') {
    return { pointer: `${e.instancePath}/${String(p.additionalProperty)}`, message: 'is not a known setting' }
  }
  if (e.keyword === 'required') {
    return { pointer: `${e.instancePath}/${String(p.missingProperty)}`, message: 'is required' }
  }
  if (e.keyword === 'enum') {
    return { pointer: e.instancePath, message: `must be one of ${(p.allowedValues as unknown[]).join(', ')}` }
  }
  if (e.keyword === 'pattern') {
    return { pointer: e.instancePath, message: `has an invalid form (must match ${String(p.pattern)})` }
  }
  if (e.keyword === 'type') {
    return {
      pointer: e.instancePath,
      message: `must be ${/^[aeiou]/.test(String(p.type)) ? 'an' : 'a'} ${String(p.type)}`
    }
  }
  return { pointer: e.instancePath, message: e.message ?? 'is invalid' }
}

// Validates `value` in place (coercion, defaults) and throws one line naming the first bad setting.
export function validateSection (schema: TSchema, value: unknown, basePointer: string, originOf: OriginOf): void {
  let validate = compiled.get(schema)
  if (!validate) {
    validate = ajv.compile(schema)
    compiled.set(schema, validate)
  }
  if (validate(value)) return
  const errors = (validate.errors ?? []).filter((e) => e.keyword !== 'anyOf' && e.keyword !== 'if')
  const first = describe(errors[0] ?? validate.errors![0])
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more problem${errors.length > 2 ? 's' : ''})` : ''
  throw new ConfigError(`Invalid configuration: ${originOf(basePointer + first.pointer)} ${first.message}${more}`)
}
