import { Incident } from './incident.ts'
import { IncidentList } from './incident-list.ts'
import { MappingList, ProviderMapping } from './mapping.ts'
import { Problem } from './problem.ts'
import { Provider, ProviderList } from './provider.ts'

// Shared schemas registered with addSchema; routes refer to them by $id so the OpenAPI
// document gets one named component each.
export const sharedSchemas = [Problem, Incident, IncidentList, Provider, ProviderList, ProviderMapping, MappingList]
