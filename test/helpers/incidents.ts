import type { IncidentT } from '../../src/schemas/incident.ts'

// A complete normalized incident for store and feed tests; `over` replaces any field.
export function incident (over: Partial<IncidentT> & { native_id: string }, provider = 'cl'): IncidentT {
  return {
    id: `${provider}:${over.native_id}`,
    provider,
    provider_type: 'cloudlock',
    title: 'Policy match on a file',
    severity: 'medium',
    priority: null,
    status: 'new',
    classification: null,
    created_at: '2026-01-01T00:00:00.000Z',
    updated_at: '2026-01-01T00:00:00.000Z',
    policy: null,
    rules: [],
    asset: null,
    actor: null,
    match_count: 0,
    matches: [],
    labels: [],
    notes: [],
    assignee: null,
    external_ref: null,
    source: { severity: 'WARNING', status: 'NEW', priority: null, resolution: null, sub_status: null },
    transaction_id: null,
    raw: { id: Number(over.native_id) },
    ...over
  }
}
