// W3C Trace Context (https://www.w3.org/TR/trace-context/): the `traceparent` and `tracestate`
// headers, parsed and written by hand so propagation works with no OpenTelemetry SDK installed.

export interface TraceParent {
  traceId: string // 32 lowercase hex, not all zero
  spanId: string // 16 lowercase hex, not all zero
  flags: number // bit 0: sampled
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/
const ZERO_TRACE = '0'.repeat(32)
const ZERO_SPAN = '0'.repeat(16)
// A tracestate we pass on verbatim: printable ASCII of bounded length (undici refuses anything
// else in a header, and a caller must not make the vendor call fail; test/observability/tracing.test.ts).
const TRACESTATE = /^[\x20-\x7e]{1,512}$/

// A header that is absent, repeated or malformed is ignored: the request starts a new trace.
export function parseTraceparent (value: unknown): TraceParent | null {
  if (typeof value !== 'string' || value.length > 512) return null
  const m = TRACEPARENT.exec(value.trim())
  if (!m) return null
  const [, version, traceId, spanId, flags, rest] = m
  if (version === 'ff' || (version === '00' && rest !== undefined)) return null
  if (traceId === ZERO_TRACE || spanId === ZERO_SPAN) return null
  return { traceId, spanId, flags: parseInt(flags, 16) & 0xff }
}

export function parseTracestate (value: unknown): string | undefined {
  return typeof value === 'string' && TRACESTATE.test(value) ? value : undefined
}

export function formatTraceparent (traceId: string, spanId: string, flags: number): string {
  return `00-${traceId}-${spanId}-${(flags & 0xff).toString(16).padStart(2, '0')}`
}

// Span ids need uniqueness, not secrecy (OpenTelemetry's own generator uses Math.random too).
export function newSpanId (): string {
  let id = ''
  while (id.length < 16) id += Math.floor(Math.random() * 0x100000000).toString(16).padStart(8, '0')
  return id === ZERO_SPAN ? newSpanId() : id
}
