// flat=true: nested keys joined with "_" (entity_owner_email, policy_name, matches_0_text), the
// format client-side flatteners produce. Empty objects and arrays stay as values so nothing vanishes.
export function flatten (value: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  const walk = (node: unknown, path: string): void => {
    const entries = Array.isArray(node)
      ? node.map((item, i) => [String(i), item] as const)
      : node !== null && typeof node === 'object' ? Object.entries(node) : undefined
    if (entries === undefined || entries.length === 0) {
      out[path] = node
      return
    }
    for (const [key, inner] of entries) walk(inner, path === '' ? key : `${path}_${key}`)
  }
  for (const [key, inner] of Object.entries(value)) walk(inner, key)
  return out
}
