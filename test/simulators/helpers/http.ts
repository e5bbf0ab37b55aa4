// Small undici wrappers so tests read as "what a gateway would send".
import { request } from 'undici'

export interface JsonResponse {
  status: number
  headers: Record<string, string | string[] | undefined>
  text: string
  json: any
}

export async function call (base: string, method: string, path: string, opts: { headers?: Record<string, string>, body?: unknown } = {}): Promise<JsonResponse> {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) }
  let body: string | undefined
  if (opts.body !== undefined) {
    body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body)
    headers['content-type'] ??= 'application/json'
  }
  const res = await request(base + path, { method: method as 'GET', headers, body })
  const text = await res.body.text()
  let json: unknown
  try { json = JSON.parse(text) } catch { json = undefined }
  return { status: res.statusCode, headers: res.headers, text, json }
}
