import { Type } from 'typebox'
import { NullableString } from './nullable.ts'

// Normalized sub-resources of an incident (spec section 4), snake_case like the Incident.
const closed = { additionalProperties: false } as const

export const HistoryEntry = Type.Object({
  type: Type.String({ description: 'vendor change type, e.g. CHANGE_STATUS' }),
  at: NullableString({ description: 'RFC 3339 UTC, millisecond precision' }),
  actor: NullableString(),
  before: NullableString(),
  after: NullableString(),
  comment: NullableString()
}, closed)

export const HistoryList = Type.Object({ data: Type.Array(HistoryEntry) }, {
  ...closed, $id: 'HistoryList', title: 'HistoryList'
})

export const Evidence = Type.Object({
  file_name: NullableString(),
  file_type: NullableString(),
  url: NullableString({ description: 'where the vendor serves the evidence file' }),
  additional_info: Type.Unknown({ description: 'vendor extra data as sent (usually an object)' })
}, { ...closed, $id: 'Evidence', title: 'Evidence' })

export const Triggers = Type.Object({
  data: Type.Record(Type.String(), Type.String(), {
    description: 'matched content per detector, masked as the vendor sends it'
  })
}, { ...closed, $id: 'Triggers', title: 'Triggers' })

export const Ticket = Type.Object({
  type: NullableString({ description: 'e.g. JIRA, JIRA_CLOUD, SERVICENOW' }),
  system: NullableString(),
  project_id: NullableString(),
  project_name: NullableString(),
  ticket_id: NullableString(),
  url: NullableString(),
  state: NullableString()
}, closed)

export const TicketList = Type.Object({ data: Type.Array(Ticket) }, {
  ...closed, $id: 'TicketList', title: 'TicketList'
})

export const Group = Type.Object({
  id: Type.String({ description: 'exact, even beyond 2^53' }),
  name: NullableString(),
  description: NullableString(),
  status: NullableString(),
  type: NullableString(),
  incident_group_already_mapped: Type.Union([Type.Boolean(), Type.Null()]),
  admin_config_already_mapped: Type.Union([Type.Boolean(), Type.Null()])
}, closed)

export const GroupList = Type.Object({ data: Type.Array(Group) }, { ...closed, $id: 'GroupList', title: 'GroupList' })

export const IncidentArray = Type.Object({ data: Type.Array(Type.Ref('Incident')) }, {
  ...closed, $id: 'IncidentArray', title: 'IncidentArray'
})
