// Example values for the OpenAPI document (shapes of spec section 3, values from the vendor docs).
// Ids of demo-mode incidents (seed 1, 500 per provider; ids depend on the seed only), so every
// example works verbatim against `npm start`; test/openapi/demo-examples.test.ts keeps it so.
export const DEMO_IDS = {
  cloudlock: 'cloudlock:320112718',
  zwa: 'zwa:1-143-17511935165548339480',
  zwaTransaction: '17511935165548339480'
} as const

// The demo's Cloudlock incident DEMO_IDS.cloudlock as GET /v1/incidents/{id} renders it (demo times
// are relative to start-up, so only the timestamps differ).
export const INCIDENT_EXAMPLE = {
  id: DEMO_IDS.cloudlock,
  provider: 'cloudlock',
  provider_type: 'cloudlock',
  native_id: '320112718',
  title: 'PCI: Message by Svetlana Stub',
  severity: 'medium',
  priority: null,
  status: 'new',
  classification: null,
  created_at: '2025-06-29T16:40:07.491Z',
  updated_at: '2025-06-29T16:40:07.862Z',
  policy: { id: 'eyaznBzYKv', name: 'PCI' },
  rules: [],
  asset: {
    id: 'zEyP19qwxm',
    name: 'Message by Svetlana Stub',
    type: 'post',
    url: 'https://teams.microsoft.com/l/message/19:CLjJPoieSBUqPm05Iq0eC5aU@thread.tacv2/8396096399683',
    mime_type: null,
    file_name: null,
    file_type: null,
    application: 'office365',
    owner: { name: 'Svetlana Stub', email: 'svetlana.stub@example.com' }
  },
  actor: null,
  match_count: 1,
  matches: [{
    text: 'XXXXXXXXXXXX3494',
    context_before: 'export AWS_ACCESS_KEY_ID=',
    context_after: ' 638 1\n',
    field: 'Content',
    detector: null
  }],
  labels: [],
  notes: [],
  assignee: null,
  external_ref: null,
  source: { severity: 'WARNING', status: 'NEW', priority: null, resolution: null, sub_status: null },
  transaction_id: null
}

export const EXAMPLE_REQUEST_ID = '5f0c6f7e-8a53-4d8e-9d0c-0f1d1e2a3b4c'

export const PROBLEM_EXAMPLE = {
  type: 'urn:dlp-gateway:problem:capability_not_supported',
  title: 'Capability not supported by provider',
  status: 422,
  detail: "Provider 'cloudlock' does not support 'notes'; GET /v1/providers lists what each provider can do.",
  instance: `/v1/incidents/${DEMO_IDS.cloudlock}/notes`,
  code: 'capability_not_supported',
  request_id: EXAMPLE_REQUEST_ID,
  provider: 'cloudlock',
  capability: 'notes'
}
