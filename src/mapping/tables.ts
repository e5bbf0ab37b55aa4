import type {
  ClassificationValue, PriorityValue, ProviderTypeValue, SeverityValue, StatusValue
} from '../schemas/enums.ts'

// The enum mapping tables of spec section 3.1, as data: native value -> normalized value.
// A native value absent from a table maps to `unknown` (never to a neighbour; test/mapping/mapper.test.ts).
export interface MappingTables {
  severity: Record<string, SeverityValue>
  priority: Record<string, PriorityValue>
  status: Record<string, StatusValue>
  classification: Record<string, ClassificationValue>
  // Native statuses kept verbatim in source.sub_status because several share one normalized value.
  subStatus: string[]
}

export const DEFAULT_TABLES: Record<ProviderTypeValue, MappingTables> = {
  cloudlock: {
    severity: { INFO: 'informational', WARNING: 'medium', ALERT: 'high', CRITICAL: 'critical' },
    priority: {},
    status: { NEW: 'new', 'IN PROGRESS': 'in_progress', RESOLVED: 'resolved', DISMISSED: 'dismissed' },
    classification: {},
    subStatus: []
  },
  zwa: {
    severity: { INFO: 'informational', LOW: 'low', MEDIUM: 'medium', HIGH: 'high' },
    priority: { LOW: 'low', MEDIUM: 'medium', HIGH: 'high', CRITICAL: 'critical' },
    status: {
      NEW: 'new',
      INVESTIGATING: 'in_progress',
      VALIDATING_WITH_USER: 'in_progress',
      JUSTIFICATION_RESPONSE_RECEIVED: 'in_progress',
      ESCALATED: 'in_progress',
      RESOLVED: 'resolved'
    },
    classification: { FALSE_POSITIVE: 'false_positive' },
    subStatus: ['INVESTIGATING', 'VALIDATING_WITH_USER', 'JUSTIFICATION_RESPONSE_RECEIVED', 'ESCALATED']
  }
}

export interface MappingOverrides {
  severity?: Record<string, SeverityValue>
  priority?: Record<string, PriorityValue>
  status?: Record<string, StatusValue>
  classification?: Record<string, ClassificationValue>
}

// Per-instance tables: the defaults with the instance's configured entries laid over them.
export function resolveTables (type: ProviderTypeValue, overrides: MappingOverrides = {}): MappingTables {
  const base = DEFAULT_TABLES[type]
  return {
    severity: { ...base.severity, ...overrides.severity },
    priority: { ...base.priority, ...overrides.priority },
    status: { ...base.status, ...overrides.status },
    classification: { ...base.classification, ...overrides.classification },
    subStatus: base.subStatus
  }
}
