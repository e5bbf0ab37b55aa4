import { Type, type Static } from 'typebox'
import { Problem } from './problem.ts'

export const ProviderListStatus = Type.Object({
  status: Type.Enum(['ok', 'error', 'skipped']),
  error: Type.Optional(Type.Ref('Problem'))
}, { additionalProperties: false })

// The list envelope of spec section 5.
export const IncidentList = Type.Object({
  data: Type.Array(Type.Ref('Incident')),
  next_cursor: Type.Union([Type.String(), Type.Null()], { description: 'opaque; null at the end of the walk' }),
  providers: Type.Record(Type.String(), ProviderListStatus)
}, { additionalProperties: false, $id: 'IncidentList', title: 'IncidentList' })

export type IncidentListT = Static<typeof IncidentList>
export type ProviderListStatusT = { status: 'ok' | 'error' | 'skipped', error?: Static<typeof Problem> }
