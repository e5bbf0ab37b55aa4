import { SerializerSelector, type SerializerFactory } from '@fastify/fast-json-stringify-compiler'
import type { ValidateFunction } from 'ajv'

// Route schemas are compiled on their route's first use instead of all at boot (issue 20, memory):
// Fastify compiles a validator per request part and a serializer per response status for every
// route, its HEAD twin included, and the generated code, with the heap V8 grew to build it, stayed
// resident even for routes a deployment never calls (webhooks, jobs, the feed without a store):
// 13 MB of the RSS at rest (docs/reliability.md, "Memory"). The functions are the ones Fastify
// would build, with the same options and shared schemas. compileAll() builds whatever is still
// pending, so test/lazy-schemas.test.ts fails on a broken schema, not a first request.

export class LazySchemas {
  readonly #pending = new Set<() => unknown>()

  // Fastify reads `schemaEnv` before each call (to hand Ajv the parent of the value, so a root
  // value can be coerced) and `errors` after it: both are the compiled function's.
  validator (compile: () => ValidateFunction): ValidateFunction {
    const get = this.#once(compile)
    const validate = ((data, context) => {
      const fn = get()
      const valid = fn(data, context)
      validate.errors = fn.errors
      return valid
    }) as ValidateFunction
    Object.defineProperty(validate, 'schemaEnv', { get: () => get().schemaEnv })
    return validate
  }

  // Fastify's own serializer factory (fast-json-stringify through @fastify/fast-json-stringify-
  // compiler, the version Fastify depends on), each serializer built on its first call.
  serializerFactory (): SerializerFactory {
    const build = SerializerSelector()
    return (externalSchemas, options) => {
      const compile = build(externalSchemas, options)
      return (route) => {
        const get = this.#once(() => compile(route))
        return (data) => get()(data)
      }
    }
  }

  // Compiles every schema not used yet; returns how many there were.
  compileAll (): number {
    const all = [...this.#pending]
    for (const compile of all) compile()
    return all.length
  }

  #once<T> (compile: () => T): () => T {
    let compiled: T | undefined
    const get = () => {
      if (compiled === undefined) {
        compiled = compile()
        this.#pending.delete(get)
      }
      return compiled
    }
    this.#pending.add(get)
    return get
  }
}
