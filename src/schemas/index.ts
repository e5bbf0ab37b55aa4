import { Change, ChangeList } from './change.ts'
import { enumSchemas } from './enums.ts'
import { Incident } from './incident.ts'
import { Job } from './job.ts'
import { IncidentList } from './incident-list.ts'
import { MappingList, ProviderMapping } from './mapping.ts'
import { Problem } from './problem.ts'
import { Provider, ProviderList } from './provider.ts'
import { Evidence, GroupList, HistoryList, IncidentArray, TicketList, Triggers } from './sub-resources.ts'
import { Webhook, WebhookCreated, WebhookList } from './webhook.ts'

// Shared schemas registered with addSchema; routes refer to them by $id so the OpenAPI
// document gets one named component each.
export const sharedSchemas = [
  ...enumSchemas,
  Problem, Incident, IncidentList, IncidentArray, Provider, ProviderList, ProviderMapping, MappingList,
  HistoryList, Evidence, Triggers, TicketList, GroupList, Change, ChangeList, Webhook, WebhookCreated, WebhookList,
  Job
]
