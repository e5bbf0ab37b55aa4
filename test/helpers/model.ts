import { request } from 'undici'
import type { Stack } from './stack.ts'

// An independent model of what the gateway must list: the native records read straight from
// the simulators, normalized with the spec 3.1 tables written out again here.
const CL_SEVERITY: Record<string, string> = { INFO: 'informational', WARNING: 'medium', ALERT: 'high', CRITICAL: 'critical' }
const CL_STATUS: Record<string, string> = { NEW: 'new', 'IN PROGRESS': 'in_progress', RESOLVED: 'resolved', DISMISSED: 'dismissed' }
const ZWA_SEVERITY: Record<string, string> = { INFO: 'informational', LOW: 'low', MEDIUM: 'medium', HIGH: 'high' }
const ZWA_STATUS: Record<string, string> = { NEW: 'new', INVESTIGATING: 'in_progress', VALIDATING_WITH_USER: 'in_progress', JUSTIFICATION_RESPONSE_RECEIVED: 'in_progress', ESCALATED: 'in_progress', RESOLVED: 'resolved' }

export interface ModelIncident {
  id: string
  provider: string
  severity: string
  status: string
  createdMicros: bigint
  updatedMs: number
}

function micros (value: string): bigint {
  const m = /^(.*?)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(value)!
  const whole = Date.parse(`${m[1]}${m[3]}`)
  return BigInt(whole) * 1000n + BigInt(((m[2] ?? '') + '000000').slice(0, 6))
}

async function cloudlockRecords (stack: Stack): Promise<any[]> {
  const out: any[] = []
  for (let offset = 0; ; offset += 100) {
    const res = await request(`${stack.cloudlockUrl}/api/v2/incidents?limit=100&offset=${offset}`, { headers: { authorization: 'Bearer cloudlock-test-token' } })
    const body = await res.body.json() as { items: any[] }
    out.push(...body.items)
    if (body.items.length < 100) return out
  }
}

async function zwaRecords (stack: Stack): Promise<any[]> {
  const tokenRes = await request(`${stack.zwaUrl}/v1/auth/api-key/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ key_id: 'zwa-test-id', key_secret: 'zwa-test-secret' }) })
  const { token } = await tokenRes.body.json() as { token: string }
  const out: any[] = []
  for (let page = 0; ; page++) {
    const res = await request(`${stack.zwaUrl}/dlp/v1/incidents/search?page=${page}&pageSize=100`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{}' })
    const body = await res.body.json() as { incidents: any[], cursor: { totalPages: number } }
    out.push(...body.incidents)
    if (page + 1 >= body.cursor.totalPages) return out
  }
}

export async function readModel (stack: Stack): Promise<ModelIncident[]> {
  const cl = (await cloudlockRecords(stack)).map((r) => ({
    id: `cloudlock:${r.id}`, provider: 'cloudlock', severity: CL_SEVERITY[r.severity] ?? 'unknown', status: CL_STATUS[r.incident_status] ?? 'unknown', createdMicros: micros(r.created_at), updatedMs: Number(micros(r.updated_at) / 1000n)
  }))
  const zwa = (await zwaRecords(stack)).map((r) => ({
    id: `zwa:${r.internalId}`, provider: 'zwa', severity: ZWA_SEVERITY[r.severity] ?? 'unknown', status: ZWA_STATUS[r.status] ?? 'unknown', createdMicros: micros(r.createdAt), updatedMs: Number(micros(r.lastUpdatedAt) / 1000n)
  }))
  return [...cl, ...zwa]
}

export interface ModelFilters {
  providers?: string[]
  severity?: string[]
  status?: string[]
  createdAfter?: number
  createdBefore?: number
  updatedAfter?: number
  updatedBefore?: number
}

// Expected ids in the gateway's order: newest first, ties by id descending.
export function expected (model: ModelIncident[], f: ModelFilters): string[] {
  return model.filter((m) =>
    (!f.providers || f.providers.includes(m.provider)) &&
    (!f.severity || f.severity.includes(m.severity)) &&
    (!f.status || f.status.includes(m.status)) &&
    (f.createdAfter === undefined || m.createdMicros >= BigInt(f.createdAfter) * 1000n) &&
    (f.createdBefore === undefined || m.createdMicros < BigInt(f.createdBefore) * 1000n) &&
    (f.updatedAfter === undefined || m.updatedMs >= f.updatedAfter) &&
    (f.updatedBefore === undefined || m.updatedMs < f.updatedBefore)
  ).sort((a, b) => a.createdMicros === b.createdMicros ? (a.id < b.id ? 1 : -1) : (a.createdMicros < b.createdMicros ? 1 : -1)).map((m) => m.id)
}
