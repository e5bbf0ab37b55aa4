import { obj } from '../../adapters/values.ts'
import { anObject, arrayField, asIs, type Operation, type OperationTable } from '../../upstream/operation.ts'
import { envelope, listIn } from './sub-resources.ts'
import { GatewayError } from '../../errors/gateway-error.ts'

// Every ZWA call the gateway makes (reference: zwa-dlp-incidents-api.md). Paths are below the
// configured path prefix (/dlp/v1). Rate classes as the vendor weighs its endpoints (reference §5):
// light = 30/min and 1000/h, medium = 20/min and 400/h, token = the API-key token endpoint.
// Searches are POSTs that change nothing, so they are idempotent (retried and coalesced).

export interface SearchAnswer {
  incidents: unknown[]
  pageId: string | null
  total: number | null // totalElements, when sent
}

function readSearch (body: unknown, providerId: string): SearchAnswer {
  const o = obj(body)
  const incidents = o?.incidents
  if (!Array.isArray(incidents)) {
    throw new GatewayError('upstream_error',
      `Provider '${providerId}' sent a search response without an incidents list.`, { provider: providerId })
  }
  const cursor = obj(o?.cursor)
  const total = cursor?.totalElements
  return {
    incidents,
    pageId: typeof cursor?.pageId === 'string' && cursor.pageId !== '' ? cursor.pageId : null,
    total: Number.isSafeInteger(total) && (total as number) >= 0 ? total as number : null
  }
}

// Envelopes are checked inside the exchange (a broken one is the vendor's failure: health, breaker);
// the records and fields in them are mapped afterwards, where an odd one is a data error
// (test/vendors/zwa-envelopes.test.ts).
type Parse = Operation['parse']
const incident: Parse = anObject('an incident answer')
const listUnder = (key: string, what: string): Parse => (body, providerId) => {
  listIn(providerId, body, key, what)
  return body
}
const objectOf = (what: string): Parse => (body, providerId) => envelope(providerId, body, what)

const read = (name: string, path: string, provides: Operation['provides'], parse: Parse) =>
  ({ name, method: 'GET', path, rateClass: 'light', idempotent: true, provides, parse }) as const satisfies Operation
const write = (name: string, path: string, provides: Operation['provides'], rateClass: string) =>
  ({ name, method: 'POST', path, rateClass, idempotent: false, provides, parse: incident }) as const satisfies Operation

export const ZWA_OPERATIONS = {
  search: {
    name: 'search',
    method: 'POST',
    path: '/incidents/search',
    rateClass: 'medium',
    idempotent: true,
    provides: ['list'],
    parse: readSearch
  },
  details: read('details', '/incidents/{id}', ['get'], incident),
  // ZWA has no update endpoint: resolving is its close (update_status to resolved only).
  close: write('close', '/incidents/{id}/close', ['close', 'update_status'], 'light'),
  notes: write('notes', '/incidents/{id}/notes', ['notes'], 'medium'),
  labels: write('labels', '/incidents/{id}/labels', ['labels'], 'medium'),
  changeHistory: read('change_history', '/incidents/{id}/change-history', ['history'],
    listUnder('changeHistory', 'change history')),
  evidence: read('evidence', '/incidents/{id}/evidence', ['evidence'], objectOf('evidence')),
  triggers: read('triggers', '/incidents/{id}/triggers', ['triggers'], objectOf('triggers')),
  tickets: read('tickets', '/incidents/{id}/tickets', ['tickets'], listUnder('tickets', 'tickets')),
  groupSearch: {
    name: 'groups',
    method: 'POST',
    path: '/incidents/{id}/incident-groups/search',
    rateClass: 'medium',
    idempotent: true,
    provides: ['groups'],
    parse: listUnder('incidentGroups', 'incident group')
  },
  transactions: {
    name: 'transactions',
    method: 'GET',
    path: '/incidents/transactions/{id}',
    rateClass: 'light',
    idempotent: true,
    provides: ['transactions'],
    parse: arrayField('incidents', 'a transaction response')
  }
} as const satisfies OperationTable

export const API_KEY_TOKEN_PATH = '/v1/auth/api-key/token'

// Token requests (src/vendors/zwa/auth-flows.ts): the native API-key flow on the API host, or the
// OneAPI client-credentials flow on ZIdentity's token URL (its own host, so its path is '').
export const ZWA_TOKEN_OPERATIONS = {
  token: { name: 'token', method: 'POST', path: API_KEY_TOKEN_PATH, rateClass: 'token', idempotent: true, parse: asIs }
} as const satisfies OperationTable
