import { GatewayError } from '../../errors/gateway-error.ts'
import type { EnumMapper } from '../../mapping/mapper.ts'
import { parseVendorTime } from '../../mapping/timestamps.ts'
import type { IncidentT } from '../../schemas/incident.ts'
import { integerText } from '../http/lossless-json.ts'
import { incidentTitle } from '../incident-title.ts'

import { nonEmpty, obj, type Obj } from '../values.ts'

// Vendor strings as sent; "" means "not set" on Cloudlock (customer_key, mime_type, policy id).
const str = nonEmpty
// An id that may come as a string, a number or (beyond 2^53) a lossless raw JSON integer.
const strOrNumber = (v: unknown): string | null => (typeof v === 'string' ? str(v) : integerText(v))

export interface MappedCloudlock {
  incident: IncidentT
  createdMicros: bigint
}

// One Cloudlock incident (reference section 7) -> the normalized Incident of spec section 3.
export function mapCloudlockIncident (record: unknown, providerId: string, mapper: EnumMapper): MappedCloudlock {
  const r = obj(record)
  const nativeId = r ? integerText(r.id) : null
  const created = r ? parseVendorTime(r.created_at) : null
  if (!r || !nativeId || !/^\d{1,20}$/.test(nativeId) || !created) {
    throw new GatewayError('upstream_error', `Provider '${providerId}' sent an incident without a valid id or created_at.`, { provider: providerId })
  }
  const updated = parseVendorTime(r.updated_at) ?? created
  const entity = obj(r.entity)
  const policy = obj(r.policy)
  const vendor = obj(entity?.vendor)
  const matches = Array.isArray(r.matches) ? r.matches.map(obj).filter((m): m is Obj => m !== null) : []

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
    match_count: typeof r.match_count === 'number' && Number.isInteger(r.match_count) && r.match_count >= 0 ? r.match_count : matches.length,
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
    raw: r
  }
  return { incident, createdMicros: created.micros }
}

// A single-incident answer: the documented bare object, or the `{results: [obj]}` variant.
export function singleRecord (body: unknown): unknown {
  const o = obj(body)
  if (o && Array.isArray(o.results) && o.id === undefined) return o.results[0]
  return body
}
