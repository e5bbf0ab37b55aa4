import { Type, type Static } from 'typebox'
import { ProviderTypeRef } from './enums.ts'

const Entry = Type.Object({
  native: Type.String(),
  normalized: Type.String(),
  sub_status: Type.Optional(Type.Boolean({ description: 'true when the native value is kept in source.sub_status' }))
}, { additionalProperties: false })

// The enum mapping tables of spec section 3.1 as served at GET /v1/mappings.
export const ProviderMapping = Type.Object({
  provider: Type.String(),
  provider_type: ProviderTypeRef,
  severity: Type.Array(Entry),
  priority: Type.Array(Entry),
  status: Type.Array(Entry),
  classification: Type.Array(Entry, { description: 'native resolution -> classification' })
}, { additionalProperties: false, $id: 'ProviderMapping', title: 'ProviderMapping' })

export const MappingList = Type.Object({
  data: Type.Array(Type.Ref('ProviderMapping'))
}, { additionalProperties: false, $id: 'MappingList', title: 'MappingList' })

export type ProviderMappingT = Static<typeof ProviderMapping>
