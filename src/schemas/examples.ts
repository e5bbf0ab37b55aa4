// Example values for the OpenAPI document (shapes of spec section 3, values from the vendor docs).
export const INCIDENT_EXAMPLE = {
  id: 'cloudlock:320831601',
  provider: 'cloudlock',
  provider_type: 'cloudlock',
  native_id: '320831601',
  title: 'PCI: Gautum Trentson',
  severity: 'medium',
  priority: null,
  status: 'in_progress',
  classification: null,
  created_at: '2014-08-08T05:09:53.218Z',
  updated_at: '2014-08-08T05:09:52.930Z',
  policy: { id: 'eyaznBzYKv', name: 'PCI' },
  rules: [],
  asset: {
    id: 'GM46KpY7xO',
    name: 'Gautum Trentson',
    type: 'document',
    url: 'https://na15.salesforce.com/00Qi00000088wrBEAQ',
    mime_type: null,
    file_name: null,
    file_type: null,
    application: 'salesforce',
    owner: { name: 'Jane Demo', email: 'jane@cloudlock.com' }
  },
  actor: null,
  match_count: 1,
  matches: [{ text: 'XXXXXXXXXXXX6966', context_before: 'ard number on an old invoice (', context_after: ') -- can we use this on the up', field: 'Description', detector: null }],
  labels: [],
  notes: [],
  assignee: null,
  external_ref: null,
  source: { severity: 'WARNING', status: 'IN PROGRESS', priority: null, resolution: null, sub_status: null }
}

export const EXAMPLE_REQUEST_ID = '5f0c6f7e-8a53-4d8e-9d0c-0f1d1e2a3b4c'

export const PROBLEM_EXAMPLE = {
  type: 'urn:dlp-gateway:problem:capability_not_supported',
  title: 'Capability not supported by provider',
  status: 422,
  detail: "Provider 'cloudlock' does not support 'notes'; GET /v1/providers lists what each provider can do.",
  instance: '/v1/incidents/cloudlock:320831601/notes',
  code: 'capability_not_supported',
  request_id: EXAMPLE_REQUEST_ID,
  provider: 'cloudlock',
  capability: 'notes'
}
