import { anObject, arrayField, type OperationTable } from '../../upstream/operation.ts'
import { singleRecord } from './map-incident.ts'

// One incident answer (a bare record, or the {results: [record]} some tenants send): an object, or
// the vendor failed; its fields are mapped after the exchange (test/vendors/zwa-envelopes.test.ts).
const incidentObject = anObject('an incident answer')
const oneIncident = (body: unknown, providerId: string) => incidentObject(singleRecord(body), providerId)

// Every Cloudlock call the gateway makes (reference: cloudlock-incidents-api.md), below the base
// URL (…/api/v2). Cloudlock documents per-endpoint limits without numbers, so every call is in
// one rate class, `default`, off unless configured. A PUT is never repeated or coalesced
// (test/resilience/faults-cloudlock.test.ts, test/upstream/write-once.test.ts).
export const CLOUDLOCK_OPERATIONS = {
  list: {
    name: 'list',
    method: 'GET',
    path: '/incidents',
    rateClass: 'default',
    idempotent: true,
    provides: ['list'],
    parse: arrayField('items', 'a list response')
  },
  get: {
    name: 'get',
    method: 'GET',
    path: '/incidents/{id}',
    rateClass: 'default',
    idempotent: true,
    provides: ['get'],
    parse: oneIncident
  },
  // incident_status, severity and customer_key; a close is a status change (no resolution field).
  update: {
    name: 'update',
    method: 'PUT',
    path: '/incidents/{id}',
    rateClass: 'default',
    idempotent: false,
    provides: ['update_status', 'update_severity', 'update_external_ref', 'close'],
    parse: oneIncident
  }
} as const satisfies OperationTable
