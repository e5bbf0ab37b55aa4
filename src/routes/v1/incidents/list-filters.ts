import type { Static } from 'typebox'
import type { ListFilters } from '../../../adapters/types.ts'
import { GatewayError } from '../../../errors/gateway-error.ts'
import { CLIENT_TIME_RULE, clientTimeToIso } from '../../../mapping/timestamps.ts'
import type { FieldErrorT } from '../../../schemas/problem.ts'
import type { ListQuery } from '../../../schemas/requests.ts'

export const unique = <T>(values: T[] | undefined) => (values === undefined ? undefined : [...new Set(values)])

// The schema's date-time format already refused what cannot be converted; this is the backstop
// that keeps such a value a 400 naming the parameter, never an exception or a vendor call
// (test/routes/list-filters.test.ts).
function iso (value: string | undefined, path: string, errors: FieldErrorT[]): string | undefined {
  if (value === undefined) return undefined
  const canonical = clientTimeToIso(value)
  if (canonical === null) errors.push({ path, message: CLIENT_TIME_RULE })
  return canonical ?? undefined
}

// The filters of a GET /v1/incidents query string, already validated against its schema.
export function listFilters (q: Static<typeof ListQuery>): ListFilters {
  const errors: FieldErrorT[] = []
  const filters: ListFilters = {
    severity: unique(q.severity),
    status: unique(q.status),
    createdAfter: iso(q.created_after, '/query/created_after', errors),
    createdBefore: iso(q.created_before, '/query/created_before', errors),
    updatedAfter: iso(q.updated_after, '/query/updated_after', errors),
    updatedBefore: iso(q.updated_before, '/query/updated_before', errors),
    priority: unique(q.priority),
    externalRef: q.external_ref,
    label: q.label === undefined
      ? undefined
      : { key: q.label.slice(0, q.label.indexOf(':')), value: q.label.slice(q.label.indexOf(':') + 1) },
    policyId: q.policy_id
  }
  if (errors.length) {
    throw new GatewayError('validation_failed',
      `The request is invalid: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}`, { errors })
  }
  return filters
}
