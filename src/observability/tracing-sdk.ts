import { context, propagation, trace } from '@opentelemetry/api'
import type { SpanProcessor } from '@opentelemetry/sdk-trace-node'

// The OpenTelemetry trace SDK, started by server.ts before the app is built, and only when the
// standard OTEL_* variables ask for an exporter (test/observability/tracing-sdk.test.ts). It is
// process-global by nature (the OpenTelemetry API keeps one tracer provider per process), hence
// the module state below.
//
// Configuration is the OpenTelemetry standard, read from the environment: this module and the
// SDK parts it creates (exporter endpoint, headers and timeout; sampler; resource attributes) are
// the one documented exception to "only src/config/load.ts reads the environment".
//
// The SDK packages (some 260 modules) are imported only once an exporter is selected:
// without OTEL_* a production process never loads them (test/server-boot-modules.test.ts).

type Env = Record<string, string | undefined>

export interface TracingHandle {
  exporters: string[] // what is exporting spans; empty when tracing is off
  warnings: string[] // settings that were ignored, for the caller to log
  shutdown: () => Promise<void> // flushes pending spans
}

export interface TracingOptions {
  spanProcessors?: SpanProcessor[] // tests: record spans in memory instead of exporting them
}

let active = false

// True once an SDK is registered: the gateway then records real spans; otherwise it only
// propagates W3C trace context (no span is kept, no exporter runs).
export const tracingActive = (): boolean => active

const SUPPORTED = new Set(['otlp', 'console'])

// Which exporters the environment selects. Unlike the OpenTelemetry default ("otlp"), nothing is
// exported unless OTEL_TRACES_EXPORTER or an OTLP endpoint variable is set.
export function selectedExporters (env: Env): { exporters: string[], warnings: string[] } {
  const warnings: string[] = []
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return { exporters: [], warnings }
  const named = (env.OTEL_TRACES_EXPORTER ?? '').split(',').map((s) => s.trim().toLowerCase()).filter(Boolean)
  let exporters: string[]
  if (named.length > 0) {
    exporters = named.includes('none') ? [] : named.filter((n) => SUPPORTED.has(n))
    for (const n of named) {
      if (n !== 'none' && !SUPPORTED.has(n)) {
        warnings.push(`OTEL_TRACES_EXPORTER '${n}' is not supported (use otlp or console); ignored`)
      }
    }
  } else {
    exporters = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT ? ['otlp'] : []
  }
  const protocol = env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL
  if (exporters.includes('otlp') && protocol && protocol !== 'http/json') {
    warnings.push(`OTLP protocol '${protocol}' is not available; ` +
      'spans are sent as http/json (port 4318 of a collector accepts it)')
  }
  return { exporters: [...new Set(exporters)], warnings }
}

export async function startTracing (env: Env = process.env, opts: TracingOptions = {}): Promise<TracingHandle> {
  const { exporters, warnings } = selectedExporters(env)
  if ((exporters.length === 0 && !opts.spanProcessors?.length) || active) {
    return { exporters: active ? exporters : [], warnings, shutdown: async () => {} }
  }
  const { BatchSpanProcessor, ConsoleSpanExporter, NodeTracerProvider } = await import('@opentelemetry/sdk-trace-node')
  const { detectResources, envDetector, resourceFromAttributes } = await import('@opentelemetry/resources')
  const processors: SpanProcessor[] = [...(opts.spanProcessors ?? [])]
  if (exporters.includes('otlp')) {
    const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http')
    processors.push(new BatchSpanProcessor(new OTLPTraceExporter()))
  }
  if (exporters.includes('console')) processors.push(new BatchSpanProcessor(new ConsoleSpanExporter()))
  if (active) return { exporters, warnings, shutdown: async () => {} } // started meanwhile

  const resource = resourceFromAttributes({ 'service.name': 'dlp-incident-gateway' })
    .merge(detectResources({ detectors: [envDetector] })) // OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES win
  const provider = new NodeTracerProvider({ resource, spanProcessors: processors })
  provider.register() // global tracer provider, AsyncLocalStorage context manager, W3C propagator
  active = true
  return {
    exporters: opts.spanProcessors ? [...exporters, 'custom'] : exporters,
    warnings,
    shutdown: async () => {
      await provider.shutdown()
      trace.disable()
      context.disable()
      propagation.disable()
      active = false
    }
  }
}
