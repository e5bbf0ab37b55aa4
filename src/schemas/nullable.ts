import { Type, type TSchema } from 'typebox'

// A JSON value that may be null: vendors send explicit nulls for parts they do not know.
export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()])
export const NullableString = (options: { description?: string } = {}) =>
  Type.Union([Type.String(), Type.Null()], options)
