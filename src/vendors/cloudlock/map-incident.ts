import { GatewayError } from '../../errors/gateway-error.ts'
import type { EnumMapper } from '../../mapping/mapper.ts'
import { parseVendorTime, type ParsedTime } from '../../mapping/timestamps.ts'
import type { IncidentT } from '../../schemas/incident.ts'
import { integerText } from '../../upstream/http/lossless-json.ts'
import { incidentTitle } from '../../adapters/incident-title.ts'

import { LazyIncident } from '../../adapters/lazy-incident.ts'
import { MappingIssues } from '../../adapters/mapping-issues.ts'
import { nonEmpty, obj, type Obj } from '../../adapters/values.ts'

// Vendor strings as sent; "" means "not set" on Cloudlock (customer_key, mime_type, policy id).
const str = nonEmpty
// An id that may come as a string, a number or (beyond 2^53) a lossless raw JSON integer.
const strOrNumber = (v: unknown): string | null => (typeof v === 'string' ? str(v) : integerText(v))

export interface MappedCloudlock {
  readonly incident: IncidentT // built on first read, once (see mapCloudlockIncident)
  nativeId: string
  createdMicros: bigint
}

// One Cloudlock incident (reference section 7) -> the normalized Incident of spec section 3.
// The id and creation time are checked at once (a record without them fails its page); the rest
// is mapped when `incident` is first read: a list walk orders and filters by id, time and the raw
// record, and what a page fetched but did not serve may never be read
// (test/adapters/lazy-mapping.test.ts).
export function mapCloudlockIncident (record: unknown, providerId: string, mapper: EnumMapper): MappedCloudlock {
  const r = obj(record)
  const nativeId = r ? integerText(r.id) : null
  const created = r ? parseVendorTime(r.created_at) : null
  if (!r || !nativeId || !/^\d{1,20}$/.test(nativeId) || !created) {
    throw new GatewayError('upstream_error',
      `Provider '${providerId}' sent an incident without a valid id or created_at.`, { provider: providerId })
  }
  return new LazyIncident(buildIncident, r, nativeId, created, providerId, mapper)
}

function buildIncident (r: Obj, nativeId: string, created: ParsedTime, providerId: string,
  mapper: EnumMapper): IncidentT {
  const issues = new MappingIssues()
  const updated = issues.updatedTime(r, 'updated_at', created)
  issues.check(r, 'severity', 'severity', 'string')
  issues.check(r, 'incident_status', 'status', 'string')
  issues.check(r, 'customer_key', 'external_ref', 'string')
  const entity = issues.check(r, 'entity', 'asset', 'object') ? r.entity as Obj : null
  const policy = issues.check(r, 'policy', 'policy', 'object') ? r.policy as Obj : null
  const vendor = obj(entity?.vendor)
  const listed = issues.check(r, 'matches', 'matches', 'array') ? r.matches as unknown[] : []
  const matches = listed.map(obj).filter((m): m is Obj => m !== null)
  if (matches.length < listed.length) {
    issues.add('matches', `${listed.length - matches.length} of the vendor's matches are not objects`)
  }
  const matchCount = issues.check(r, 'match_count', 'match_count', 'count') ? r.match_count as number : matches.length

  const incident: IncidentT = {
    id: `${providerId}:${nativeId}`,
    provider: providerId,
    provider_type: 'cloudlock',
    native_id: nativeId,
    title: incidentTitle(str(policy?.name), str(entity?.name), `Cloudlock incident ${nativeId}`),
    severity: mapper.toNormalized('severity', r.severity),
    priority: null,
    status: mapper.toNormalized('status', r.incident_status),
    classification: null,
    created_at: new Date(created.ms).toISOString(),
    updated_at: new Date(updated.ms).toISOString(),
    policy: policy ? { id: str(policy.id), name: str(policy.name) } : null,
    rules: [],
    asset: entity
      ? {
          id: str(entity.id),
          name: str(entity.name),
          type: str(entity.origin_type),
          url: str(entity.direct_url),
          mime_type: str(entity.mime_type),
          file_name: null,
          file_type: null,
          application: str(vendor?.name),
          owner: entity.owner_name !== undefined || entity.owner_email !== undefined
            ? { name: str(entity.owner_name), email: str(entity.owner_email) }
            : null
        }
      : null,
    actor: null,
    match_count: matchCount,
    matches: matches.map((m) => ({
      text: typeof m.text === 'string' ? m.text : null,
      context_before: typeof m.ctx_before === 'string' ? m.ctx_before : null,
      context_after: typeof m.ctx_after === 'string' ? m.ctx_after : null,
      field: str(m.field_name),
      detector: strOrNumber(obj(m.policy_criteria)?.id)
    })),
    labels: [],
    notes: [],
    assignee: null,
    external_ref: str(r.customer_key),
    source: {
      severity: typeof r.severity === 'string' ? r.severity : null,
      status: typeof r.incident_status === 'string' ? r.incident_status : null,
      priority: null,
      resolution: null,
      sub_status: null
    },
    transaction_id: null,
    ...issues.field,
    raw: r
  }
  return incident
}

// A single-incident answer: the documented bare object, or the `{results: [obj]}` variant.
export function singleRecord (body: unknown): unknown {
  const o = obj(body)
  if (o && Array.isArray(o.results) && o.id === undefined) return o.results[0]
  return body
}
