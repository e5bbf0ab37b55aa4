import { Type, type Static } from 'typebox'

// Normalized enums of spec section 3. `unknown` is the home of every vendor value the
// mapping tables do not know; it is never coerced to a neighbour.
export const SEVERITIES = ['informational', 'low', 'medium', 'high', 'critical', 'unknown'] as const
export const PRIORITIES = ['low', 'medium', 'high', 'critical', 'unknown'] as const
export const STATUSES = ['new', 'in_progress', 'resolved', 'dismissed', 'unknown'] as const
export const CLASSIFICATIONS = ['false_positive', 'true_positive', 'benign', 'unknown'] as const
export const PROVIDER_TYPES = ['zwa', 'cloudlock'] as const
export const SCOPES = ['incidents:read', 'incidents:write', 'evidence:read'] as const

export const Severity = Type.Enum(SEVERITIES, { description: 'Normalized severity' })
export const Priority = Type.Enum(PRIORITIES, { description: 'Normalized priority' })
export const Status = Type.Enum(STATUSES, { description: 'Normalized status' })
export const Classification = Type.Enum(CLASSIFICATIONS, { description: 'Normalized classification, set when closed' })
export const ProviderType = Type.Enum(PROVIDER_TYPES)
export const Scope = Type.Enum(SCOPES)

export type SeverityValue = typeof SEVERITIES[number]
export type PriorityValue = typeof PRIORITIES[number]
export type StatusValue = typeof STATUSES[number]
export type ClassificationValue = typeof CLASSIFICATIONS[number]
export type ProviderTypeValue = typeof PROVIDER_TYPES[number]
export type ScopeValue = typeof SCOPES[number]
export type SeverityT = Static<typeof Severity>

// Provider instance ids and native id patterns of spec section 2.
export const PROVIDER_ID_PATTERN = '^[a-z][a-z0-9-]{0,31}$'
export const NATIVE_ID_PATTERNS: Record<ProviderTypeValue, string> = {
  zwa: '^[A-Za-z0-9-]{1,64}$',
  cloudlock: '^[0-9]{1,20}$'
}
