// Cloudlock incident wire shapes (reference §7) and enums (§8).
export const SEVERITIES = ['INFO', 'WARNING', 'ALERT', 'CRITICAL'] as const // ascending rank
export const INCIDENT_STATUSES = ['NEW', 'IN PROGRESS', 'RESOLVED', 'DISMISSED'] as const
export const ORDER_VALUES = ['created_at', '-created_at', 'updated_at', '-updated_at'] as const

export type Severity = typeof SEVERITIES[number]
export type IncidentStatus = typeof INCIDENT_STATUSES[number]

export interface CloudlockVendor { name: string }

export interface CloudlockEntity {
  id: string
  name: string
  mime_type: string | null
  owner_email: string
  owner_name: string
  origin_id: string
  origin_type: string
  direct_url: string
  vendor: CloudlockVendor
  extra: { origin_type_label: string, origin_type_label_plural: string }
}

// Usually {id, name}; one documented variant has an empty id and null created_at/state/updated_at.
export interface CloudlockPolicyRef {
  id: string | null
  name: string
  state?: string | null
  created_at?: string | null
  updated_at?: string | null
}

export interface CloudlockMatch {
  created_at: string
  text: string
  ctx_before: string
  ctx_after: string
  field_name: string
  policy_criteria?: { id: string | number }
}

export interface CloudlockIncident {
  id: string
  customer_key: string
  incident_status: string
  severity: string
  created_at: string
  updated_at: string
  match_count: number
  entity: CloudlockEntity
  policy: CloudlockPolicyRef
  matches: CloudlockMatch[]
}

// Records loaded from fixtures or /__sim/incidents are kept verbatim, so the store types them loosely.
export type NativeRecord = Record<string, unknown>

export function isPlainObject (value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}
