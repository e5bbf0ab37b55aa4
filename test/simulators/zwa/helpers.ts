// Boots the ZWA simulator on an ephemeral port with a hand-driven clock and talks to it over HTTP.
import { request } from 'undici'
import { createManualClock } from '../../../src/sim-kit/clock.ts'
import type { ManualClock } from '../../../src/sim-kit/clock.ts'
import { buildZwaSimulator } from '../../../src/vendors/zwa/simulator/app.ts'
import type { ZwaSimOptions } from '../../../src/vendors/zwa/simulator/app.ts'
import { DEFAULT_CREDENTIALS } from '../../../src/vendors/zwa/simulator/options.ts'

export const START = Date.parse('2025-07-01T00:00:00Z')

export interface Sim {
  url: string
  clock: ManualClock
  token: string // a valid API-key token, fetched at start
}

export interface Reply {
  status: number
  headers: Record<string, string | string[] | undefined>
  text: string
  json: any
}

interface Teardown { teardown: (fn: () => unknown) => void }

export async function startSim (t: Teardown, opts: ZwaSimOptions = {}): Promise<Sim> {
  const clock = createManualClock(START)
  const app = await buildZwaSimulator({ count: 120, clock: clock.clock, ...opts })
  const url = await app.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(() => app.close())
  const sim = { url, clock, token: '' }
  sim.token = await fetchToken(sim, opts.keyId, opts.keySecret)
  return sim
}

export async function fetchToken (sim: { url: string }, keyId: string = DEFAULT_CREDENTIALS.keyId, keySecret: string = DEFAULT_CREDENTIALS.keySecret): Promise<string> {
  const res = await call(sim, 'POST', '/v1/auth/api-key/token', { token: null, body: { key_id: keyId, key_secret: keySecret } })
  if (res.status !== 201) throw new Error(`token request failed: ${res.status} ${res.text}`)
  return res.json.token
}

export interface CallOptions {
  token?: string | null // null: no Authorization header
  body?: unknown
  rawBody?: string
  contentType?: string
  headers?: Record<string, string>
}

export async function call (sim: { url: string, token?: string }, method: 'GET' | 'POST' | 'DELETE', path: string, opts: CallOptions = {}): Promise<Reply> {
  const headers: Record<string, string> = { accept: 'application/json', ...opts.headers }
  const token = opts.token === undefined ? sim.token : opts.token
  if (token !== null && token !== undefined && token !== '') headers.authorization = `Bearer ${token}`
  let body: string | undefined
  if (opts.rawBody !== undefined || opts.body !== undefined) {
    body = opts.rawBody ?? JSON.stringify(opts.body)
    headers['content-type'] = opts.contentType ?? 'application/json'
  }
  const res = await request(`${sim.url}${path}`, { method, headers, body })
  const text = await res.body.text()
  let json: any
  try {
    json = text === '' ? undefined : JSON.parse(text)
  } catch {
    json = undefined
  }
  return { status: res.statusCode, headers: res.headers, text, json }
}

// Every incident the search returns for `body`, walking all pages of one snapshot.
export async function searchAll (sim: Sim, body: unknown = {}, prefix = '/dlp/v1'): Promise<any[]> {
  const first = await call(sim, 'POST', `${prefix}/incidents/search?pageSize=100`, { body })
  if (first.status !== 200) throw new Error(`search failed: ${first.status} ${first.text}`)
  const out = [...first.json.incidents]
  for (let page = 1; page < first.json.cursor.totalPages; page++) {
    const next = await call(sim, 'POST', `${prefix}/incidents/search?pageSize=100&page=${page}&pageId=${first.json.cursor.pageId}`, { body })
    out.push(...next.json.incidents)
  }
  return out
}
