import { SerializerSelector } from '@fastify/fast-json-stringify-compiler'
import { sharedSchemas } from './index.ts'

// The shared schemas by $id: what a serializer's `$ref`s resolve against, as in the routes.
export const schemasById: Record<string, unknown> = Object.fromEntries(sharedSchemas.map((schema) =>
  [(schema as unknown as { $id: string }).$id, schema]))

// A serializer of `schema` made by the factory the routes use (fast-json-stringify through
// Fastify's own compiler), compiled on its first call as route serializers are
// (src/plugins/app/lazy-compile.ts): a module that defines one costs nothing at start-up until used.
// `name` only labels it in the compiler's errors.
export function lazySerializer<T> (schema: unknown, name: string): (value: T) => string {
  let compiled: ((value: T) => string) | undefined
  return (value) => {
    compiled ??= SerializerSelector()(schemasById, {})({
      schema, method: 'GET', url: name, httpStatus: '200'
    }) as (value: T) => string
    return compiled(value)
  }
}
