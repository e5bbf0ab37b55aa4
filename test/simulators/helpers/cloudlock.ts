// Boots the Cloudlock simulator on an ephemeral port for one test, closed on teardown.
import type { Test } from 'tap'
import { buildCloudlockSimulator, type CloudlockSimOptions } from '../../../src/vendors/cloudlock/simulator/app.ts'
import { call, type JsonResponse } from './http.ts'
import { listen } from './kit-app.ts'

export const TOKEN = 'test-token-123'

export interface CloudlockHarness {
  base: string
  get: (path: string, token?: string | null) => Promise<JsonResponse>
  put: (path: string, body: unknown, token?: string | null) => Promise<JsonResponse>
  admin: (method: string, path: string, body?: unknown) => Promise<JsonResponse>
}

function auth (token: string | null | undefined): Record<string, string> {
  if (token === null) return {}
  return { authorization: `Bearer ${token ?? TOKEN}` }
}

export async function startCloudlock (t: Test, opts: Partial<CloudlockSimOptions> = {}): Promise<CloudlockHarness> {
  const app = await buildCloudlockSimulator({ token: TOKEN, count: 60, ...opts })
  const base = await listen(app)
  t.teardown(() => app.close())
  return {
    base,
    get: (path, token) => call(base, 'GET', `/api/v2${path}`, { headers: auth(token) }),
    put: (path, body, token) => call(base, 'PUT', `/api/v2${path}`, { headers: auth(token), body }),
    admin: (method, path, body) => call(base, method, `/__sim${path}`, { body })
  }
}

// A minimal native record with chosen timestamps; other fields as the vendor sends them.
export function record (id: string, createdAt: string, updatedAt = createdAt, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id,
    customer_key: '',
    incident_status: 'NEW',
    severity: 'WARNING',
    created_at: createdAt,
    updated_at: updatedAt,
    match_count: 0,
    entity: {
      id: `E${id}`,
      name: `object ${id}`,
      mime_type: '',
      owner_email: 'owner@example.com',
      owner_name: 'Owner',
      origin_id: `O${id}`,
      origin_type: 'document',
      direct_url: `https://example.com/${id}`,
      vendor: { name: 'google' },
      extra: { origin_type_label: 'File', origin_type_label_plural: 'Files' }
    },
    policy: { id: 'eyaznBzYKv', name: 'PCI' },
    matches: [],
    ...extra
  }
}

export function ids (res: JsonResponse): string[] {
  return (res.json.items as { id: string }[]).map((item) => item.id)
}
