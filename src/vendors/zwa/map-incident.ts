import { GatewayError } from '../../errors/gateway-error.ts'
import type { EnumMapper } from '../../mapping/mapper.ts'
import { isoMillis, parseVendorTime, toIsoMillis, type ParsedTime } from '../../mapping/timestamps.ts'
import { NATIVE_ID_PATTERNS } from '../../schemas/enums.ts'
import type { IncidentT, LabelT } from '../../schemas/incident.ts'
import { incidentTitle } from '../../adapters/incident-title.ts'
import { LazyIncident } from '../../adapters/lazy-incident.ts'
import { MappingIssues } from '../../adapters/mapping-issues.ts'
import { nonEmpty, obj, objects, scalarText, str, type Obj } from '../../adapters/values.ts'

const ID_PATTERN = new RegExp(NATIVE_ID_PATTERNS.zwa)

export interface MappedZwa {
  readonly incident: IncidentT // built on first read, once, as for Cloudlock (src/vendors/cloudlock/map-incident.ts)
  nativeId: string
  createdMicros: bigint
}

// One ZWA incident (reference §7) -> the normalized Incident of spec §3 and §3.1. Total for any
// record with a valid internalId and createdAt: every other field may be missing, null or odd.
export function mapZwaIncident (record: unknown, providerId: string, mapper: EnumMapper): MappedZwa {
  const r = obj(record)
  const nativeId = r ? str(r.internalId) : null
  const created = r ? parseVendorTime(r.createdAt) : null
  if (!r || !nativeId || !ID_PATTERN.test(nativeId) || !created) {
    throw new GatewayError('upstream_error',
      `Provider '${providerId}' sent an incident without a valid internalId or createdAt.`, { provider: providerId })
  }
  return new LazyIncident(buildIncident, r, nativeId, created, providerId, mapper)
}

function buildIncident (r: Obj, nativeId: string, created: ParsedTime, providerId: string,
  mapper: EnumMapper): IncidentT {
  const issues = new MappingIssues()
  const updated = issues.updatedTime(r.lastUpdatedAt, 'lastUpdatedAt', created)
  issues.check(r.transactionId, 'transactionId', 'transaction_id', 'string')
  issues.check(r.matchingPolicies, 'matchingPolicies', 'rules', 'object')
  issues.check(r.labels, 'labels', 'labels', 'array')
  issues.check(r.notes, 'notes', 'notes', 'array')
  issues.check(r.userInfo, 'userInfo', 'actor', 'object')
  issues.check(r.assignedAdmin, 'assignedAdmin', 'assignee', 'object')
  issues.check(r.matchCount, 'matchCount', 'match_count', 'count')
  const policies = obj(r.matchingPolicies)
  const engines = objects(policies?.engines).filter((e) => typeof e.name === 'string')
  const rules = objects(policies?.rules).filter((e) => typeof e.name === 'string')
  const dictionaries = objects(policies?.dictionaries).filter((e) => typeof e.name === 'string')
  const policyName = (engines[0]?.name ?? rules[0]?.name ?? null) as string | null
  const asset = mapAsset(obj(r.contentInfo), obj(r.applicationInfo))
  const user = obj(r.userInfo)
  const admin = obj(r.assignedAdmin)
  const status = scalarText(r.status)
  const resolution = scalarText(r.resolution)

  const incident: IncidentT = {
    id: `${providerId}:${nativeId}`,
    provider: providerId,
    provider_type: 'zwa',
    native_id: nativeId,
    title: incidentTitle(policyName, asset?.name ?? null, `ZWA incident ${nativeId}`),
    severity: mapper.toNormalized('severity', r.severity),
    // ZWA's priority is its own field (CRITICAL lives here, never in severity;
    // test/adapters/zwa/map-incident.test.ts).
    priority: r.priority === null || r.priority === undefined ? null : mapper.toNormalized('priority', r.priority),
    status: mapper.toNormalized('status', r.status),
    classification: resolution === null ? null : mapper.toNormalized('classification', r.resolution),
    created_at: isoMillis(created.ms),
    updated_at: isoMillis(updated.ms),
    policy: policyName === null ? null : { id: null, name: policyName },
    rules: [
      ...engines.map((e) => ({ name: e.name as string, detail: str(e.rule) })),
      ...rules.map((e) => ({ name: e.name as string, detail: null })),
      ...dictionaries.map((e) => ({ name: e.name as string, detail: str(e.nameMatchCount) }))
    ],
    asset,
    actor: user
      ? { name: str(user.name), email: str(user.email), department: str(user.department), ip: str(user.clientIP) }
      : null,
    match_count: Number.isSafeInteger(r.matchCount) && (r.matchCount as number) >= 0 ? r.matchCount as number : 0,
    matches: [], // details carry no match text; GET …/triggers has it (evidence:read)
    labels: objects(r.labels).flatMap(mapLabel),
    notes: objects(r.notes).map((n) => ({
      text: str(n.body) ?? '',
      created_at: toIsoMillis(n.createdAt),
      author: scalarText(n.createdBy)
    })),
    assignee: admin ? { email: str(admin.email) } : null,
    external_ref: null,
    source: {
      severity: scalarText(r.severity),
      status,
      priority: scalarText(r.priority),
      resolution,
      sub_status: mapper.isSubStatus(status) ? status : null
    },
    transaction_id: nonEmpty(r.transactionId),
    ...issues.field,
    raw: r
  }
  return incident
}

// What leaked: the file (contentInfo) inside the application (applicationInfo).
function mapAsset (content: Obj | null, app: Obj | null): IncidentT['asset'] {
  if (!content && !app) return null
  const fileId = scalarText(obj(content?.additionalInfo)?.fileId)
  return {
    id: fileId === '' ? null : fileId,
    name: nonEmpty(content?.fileName) ?? nonEmpty(app?.name),
    type: str(app?.category),
    url: str(app?.url),
    mime_type: null,
    file_name: str(content?.fileName),
    file_type: str(content?.fileType),
    application: nonEmpty(app?.hostnameOrApplication) ?? str(app?.name),
    owner: null
  }
}

function mapLabel (label: Obj): LabelT[] {
  const key = nonEmpty(label.key)
  if (key === null) return []
  return [{ key, value: scalarText(label.value) ?? '' }]
}
