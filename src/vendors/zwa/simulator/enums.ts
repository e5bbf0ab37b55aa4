// Wire values the simulator emits (reference §8). Values marked [INF] in the reference are guesses;
// docs/simulator-zwa.md lists them. Records loaded from fixtures may carry any other string.
export const SEVERITIES = ['LOW', 'MEDIUM', 'HIGH', 'INFO'] as const
export const PRIORITIES = ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const
export const STATUSES = [
  'NEW', 'INVESTIGATING', 'VALIDATING_WITH_USER', 'JUSTIFICATION_RESPONSE_RECEIVED', 'ESCALATED', 'RESOLVED'
] as const
// FALSE_POSITIVE is documented; the other two are invented so clients meet more than one value.
export const RESOLUTIONS = ['FALSE_POSITIVE', 'TRUE_POSITIVE', 'BENIGN'] as const
export const TICKET_TYPES = ['JIRA', 'JIRA_CLOUD', 'SERVICENOW'] as const
export const NOTIFIED_ROLES = ['END_USER', 'MANAGER'] as const

// "Source" and "Source DLP Type" of the search filters: sourceType holds the product that raised the
// incident and sourceSubType the DLP channel (UPPER_SNAKE of the portal's labels). Both [INF].
export const SOURCE_TYPES = {
  ZIA: ['INLINE', 'EMAIL'],
  ZCC: ['ENDPOINT'],
  CASB: ['SAAS_SECURITY']
} as const

export const INTEGRATION_TYPE = 'ZscalerDLP'

// changeType values; only CHANGE_STATUS is documented.
export const CHANGE_TYPES = {
  status: 'CHANGE_STATUS',
  resolution: 'CHANGE_RESOLUTION',
  note: 'ADD_NOTE',
  labels: 'ADD_LABELS'
} as const
