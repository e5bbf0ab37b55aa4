// Secret masking for the request log: tests can read what a gateway sent without the log leaking keys.
export const MASK = '***'

export const ALWAYS_MASKED_HEADERS = ['authorization', 'cookie', 'x-api-key'] as const

// Keeps the auth scheme ("Bearer ***") so tests can still check which scheme was used.
function maskHeaderValue (name: string, value: string): string {
  if (name === 'authorization') {
    const space = value.indexOf(' ')
    if (space > 0) return `${value.slice(0, space)} ${MASK}`
  }
  return MASK
}

export function maskHeaders (
  headers: Record<string, unknown>, secretNames: ReadonlySet<string>
): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase()
    if (!secretNames.has(lower) || value === undefined) {
      out[lower] = value
    } else if (Array.isArray(value)) {
      out[lower] = value.map((v) => maskHeaderValue(lower, String(v)))
    } else {
      out[lower] = maskHeaderValue(lower, String(value))
    }
  }
  return out
}

// Deep copy with every value under a secret key (any depth, case-insensitive) replaced by MASK.
export function maskDeep (value: unknown, secretKeys: ReadonlySet<string>): unknown {
  // Exact big integers (JSON.rawJSON values) are kept as they are, so they log as digits.
  if ((JSON as unknown as { isRawJSON: (v: unknown) => boolean }).isRawJSON(value)) return value
  if (Array.isArray(value)) return value.map((item) => maskDeep(item, secretKeys))
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const [key, inner] of Object.entries(value)) {
      out[key] = secretKeys.has(key.toLowerCase()) ? MASK : maskDeep(inner, secretKeys)
    }
    return out
  }
  return value
}

// Form bodies (OAuth token requests) may reach the log as raw strings; mask their fields too.
export function maskBody (body: unknown, contentType: string | undefined, secretKeys: ReadonlySet<string>): unknown {
  if (body === undefined) return null
  if (Buffer.isBuffer(body)) body = body.toString('utf8')
  if (typeof body === 'string' && contentType?.includes('application/x-www-form-urlencoded') === true) {
    const form: Record<string, string> = {}
    for (const [key, value] of new URLSearchParams(body)) form[key] = value
    return maskDeep(form, secretKeys)
  }
  return maskDeep(body, secretKeys)
}
