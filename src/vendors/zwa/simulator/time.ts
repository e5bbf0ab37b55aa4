// ZWA timestamps are ISO-8601 UTC with "Z": real data has whole seconds, Swagger examples milliseconds.
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/

export function isoMillis (ms: number): string {
  return new Date(ms).toISOString()
}

export function isoSeconds (ms: number): string {
  return isoMillis(Math.floor(ms / 1000) * 1000).replace('.000Z', 'Z')
}

// Milliseconds since epoch, or undefined when `text` is not an ISO date-time with a zone.
export function parseIso (text: unknown): number | undefined {
  if (typeof text !== 'string' || !ISO_DATE_TIME.test(text)) return undefined
  const ms = Date.parse(text)
  return Number.isNaN(ms) ? undefined : ms
}
