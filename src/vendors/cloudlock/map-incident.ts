import { GatewayError } from '../../errors/gateway-error.ts'
import type { EnumMapper } from '../../mapping/mapper.ts'
import { isoMillis, parseVendorTime, type ParsedTime } from '../../mapping/timestamps.ts'
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

// Runs for every incident a list page serves, so it builds each part once, straight from the
// record (no intermediate arrays or spread literals), and writes times with isoMillis rather than
// Date#toISOString, which cost more than the rest of this function (issue 20's profile).
function buildIncident (r: Obj, nativeId: string, created: ParsedTime, providerId: string,
  mapper: EnumMapper): IncidentT {
  const issues = new MappingIssues()
  const updated = issues.updatedTime(r.updated_at, 'updated_at', created)
  const { severity, incident_status: status, entity, policy, matches: listed } = r
  const severityText = issues.check(severity, 'severity', 'severity', 'string') ? severity as string : null
  const statusText = issues.check(status, 'incident_status', 'status', 'string') ? status as string : null
  issues.check(r.customer_key, 'customer_key', 'external_ref', 'string')
  const asset = issues.check(entity, 'entity', 'asset', 'object') ? entity as Obj : null
  const policyObj = issues.check(policy, 'policy', 'policy', 'object') ? policy as Obj : null
  const items = issues.check(listed, 'matches', 'matches', 'array') ? listed as unknown[] : []
  const matches: IncidentT['matches'] = []
  for (let i = 0; i < items.length; i++) {
    const m = obj(items[i])
    if (m !== null) matches.push(mapMatch(m))
  }
  if (matches.length < items.length) {
    issues.add('matches', `${items.length - matches.length} of the vendor's matches are not objects`)
  }
  const count = r.match_count
  const matchCount = issues.check(count, 'match_count', 'match_count', 'count') ? count as number : matches.length

  return issues.into({
    id: `${providerId}:${nativeId}`,
    provider: providerId,
    provider_type: 'cloudlock',
    native_id: nativeId,
    title: incidentTitle(str(policyObj?.name), str(asset?.name), `Cloudlock incident ${nativeId}`),
    severity: mapper.toNormalized('severity', severityText),
    priority: null,
    status: mapper.toNormalized('status', statusText),
    classification: null,
    created_at: isoMillis(created.ms),
    updated_at: isoMillis(updated.ms),
    policy: policyObj ? { id: str(policyObj.id), name: str(policyObj.name) } : null,
    rules: [],
    asset: asset ? mapAsset(asset) : null,
    actor: null,
    match_count: matchCount,
    matches,
    labels: [],
    notes: [],
    assignee: null,
    external_ref: str(r.customer_key),
    source: { severity: severityText, status: statusText, priority: null, resolution: null, sub_status: null },
    transaction_id: null,
    raw: r
  })
}

function mapAsset (entity: Obj): NonNullable<IncidentT['asset']> {
  return {
    id: str(entity.id),
    name: str(entity.name),
    type: str(entity.origin_type),
    url: str(entity.direct_url),
    mime_type: str(entity.mime_type),
    file_name: null,
    file_type: null,
    application: str(obj(entity.vendor)?.name),
    owner: entity.owner_name !== undefined || entity.owner_email !== undefined
      ? { name: str(entity.owner_name), email: str(entity.owner_email) }
      : null
  }
}

function mapMatch (m: Obj): IncidentT['matches'][number] {
  return {
    text: typeof m.text === 'string' ? m.text : null,
    context_before: typeof m.ctx_before === 'string' ? m.ctx_before : null,
    context_after: typeof m.ctx_after === 'string' ? m.ctx_after : null,
    field: str(m.field_name),
    detector: strOrNumber(obj(m.policy_criteria)?.id)
  }
}

// A single-incident answer: the documented bare object, or the `{results: [obj]}` variant.
export function singleRecord (body: unknown): unknown {
  const o = obj(body)
  if (o && Array.isArray(o.results) && o.id === undefined) return o.results[0]
  return body
}
