import { Type, type Static, type TSchema, type TUnsafe } from 'typebox'

// A JSON value that may be null: vendors send explicit nulls for parts they do not know.
// Written as a type array (`type: ['string', 'null']`) rather than anyOf: the response
// serializer handles it without running a validator per value (about twice as fast).
// A reference to a named enum becomes `anyOf: [{$ref}, {type: 'null'}]`, which generated clients
// read as "that enum or null" (one enum class); it costs the serializer ~30 ns per field (measured).
export function Nullable<T extends TSchema> (schema: T): TUnsafe<Static<T> | null> {
  const s = schema as unknown as Record<string, unknown>
  if (typeof s.type === 'string') return Type.Unsafe<Static<T> | null>({ ...s, type: [s.type, 'null'] })
  if (Array.isArray(s.enum) && s.enum.every((v) => typeof v === 'string')) {
    return Type.Unsafe<Static<T> | null>({ ...s, type: ['string', 'null'], enum: [...s.enum, null] })
  }
  return Type.Unsafe<Static<T> | null>(Type.Union([schema, Type.Null()]))
}

export const NullableString = (options: { description?: string } = {}) =>
  Type.Unsafe<string | null>({ type: ['string', 'null'], ...options })
