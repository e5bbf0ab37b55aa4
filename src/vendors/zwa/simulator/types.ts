// ZWA wire shapes (reference §6, §7). Every field is optional and nullable because real records omit
// keys and send explicit nulls; fixtures may carry keys we do not model, which are kept verbatim.
import type { JsonInteger } from './json.ts'

export interface Label { key: string, value: string }

export interface Note {
  body: string
  createdAt: string
  lastUpdatedAt: string
  createdBy: number
  lastUpdatedBy: number
}

export interface Ticket {
  ticketType: string
  ticketingSystemName: string
  projectId: string
  projectName: string
  ticketInfo: { ticketId: string, ticketUrl: string, state: string }
}

export interface GroupShort { id: JsonInteger, name: string, description: string }

export interface GroupLong extends GroupShort {
  status: string
  incidentGroupType: string
  isDLPIncidentGroupAlreadyMapped: boolean
  isDLPAdminConfigAlreadyMapped: boolean
}

export interface MatchingPolicies {
  engines?: Array<{ name: string, rule: string }>
  rules?: Array<{ name: string }>
  dictionaries?: Array<{ name: string, matchCount: number, nameMatchCount: string }>
}

export interface Incident {
  internalId: string
  integrationType?: string | null
  transactionId: string
  sourceType?: string | null
  sourceSubType?: string | null
  sourceActions?: string[] | null
  severity?: string | null
  priority?: string | null
  matchingPolicies?: MatchingPolicies | null
  matchCount?: number | null
  createdAt: string
  lastUpdatedAt: string
  sourceFirstObservedAt?: string | null
  sourceLastObservedAt?: string | null
  userInfo?: Record<string, unknown> | null
  applicationInfo?: Record<string, unknown> | null
  contentInfo?: { fileName?: string | null, fileType?: string | null, additionalInfo?: unknown } | null
  networkInfo?: unknown
  metadataFileUrl?: string | null
  status?: string | null
  resolution?: string | null
  assignedAdmin?: { email?: string | null } | null
  lastNotifiedUser?: { role?: string | null, email?: string | null } | null
  notes?: Note[] | null
  closedCode?: string | null
  incidentGroupIds?: JsonInteger[]
  incidentGroups?: GroupShort[]
  dlpIncidentTickets?: Ticket[] | null
  labels?: Label[] | null
  [extra: string]: unknown
}

export interface ChangeEntry {
  changeType: string
  changedAt: string
  changedByName: string
  changeData: { before: string | null, after: string | null }
  comment: string | null
}

export interface AuditLog {
  action: { action: string }
  module: string
  resource: string
  changedAt: string
  changedBy: string
  oldRowJson: string
  newRowJson: string
  changeNote: string
}

export interface Cursor {
  totalPages: number
  currentPageNumber: number
  currentPageSize: number
  pageId?: string
  totalElements: number
}
