import { NodeSDK } from '@opentelemetry/sdk-node';
import { getNodeAutoInstrumentations } from '@opentelemetry/auto-instrumentations-node';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { BatchSpanProcessor, NoopSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace';
import { metricReaderForSdk } from './metrics';

let sdk: NodeSDK | undefined;

/**
 * Where spans go, from the standard variables: OTLP/HTTP when `OTEL_EXPORTER_OTLP_ENDPOINT` (or
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set, unless `OTEL_TRACES_EXPORTER=none`. Without an
 * exporter a no-op processor still keeps a real tracer provider, so every request gets trace and
 * span ids that flow through gRPC metadata, Kafka headers and log lines.
 */
export function spanProcessorsFrom(env: NodeJS.ProcessEnv): SpanProcessor[] {
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? env.OTEL_EXPORTER_OTLP_ENDPOINT;
  const exporters = (env.OTEL_TRACES_EXPORTER ?? 'otlp').split(',').map((name) => name.trim());
  if (!endpoint || exporters.includes('none')) return [new NoopSpanProcessor()];
  // Batch delay and size keep their OTEL_BSP_* meaning; 200 ms by default so traces show up fast.
  const delay = Number(env.OTEL_BSP_SCHEDULE_DELAY ?? 200);
  return [new BatchSpanProcessor({ exporter: new OTLPTraceExporter(), scheduledDelayMillis: delay })];
}

/**
 * Starts OpenTelemetry before the application is loaded (see telemetry-register.ts): traces with
 * HTTP, express, gRPC, kafkajs and mongoose instrumented, and the MeterProvider whose metrics the
 * Prometheus endpoint serves (metrics.ts).
 */
export function startTelemetry(serviceName: string, env: NodeJS.ProcessEnv = process.env): void {
  if (sdk || env.OTEL_SDK_DISABLED === 'true') return;
  sdk = new NodeSDK({
    serviceName,
    spanProcessors: spanProcessorsFrom(env),
    metricReaders: [metricReaderForSdk()],
    instrumentations: [
      getNodeAutoInstrumentations({
        // File, DNS and socket spans drown the ones operators care about.
        '@opentelemetry/instrumentation-fs': { enabled: false },
        '@opentelemetry/instrumentation-dns': { enabled: false },
        '@opentelemetry/instrumentation-net': { enabled: false },
        // pino trace ids come from our own mixin; this one would also rewrite log records.
        '@opentelemetry/instrumentation-pino': { enabled: false },
        // HTTP probes and metric scrapes every few seconds are noise, not traces.
        // Database calls belong to a request or a message; the outbox relay's polling and other
        // background queries would otherwise each start a trace of their own.
        '@opentelemetry/instrumentation-mongodb': { requireParentSpan: true },
        '@opentelemetry/instrumentation-mongoose': { requireParentSpan: true },
        // grpc.health.v1 probes (kubelet, tests): only the method name is matched, so no domain
        // RPC may be called Check or Watch.
        '@opentelemetry/instrumentation-grpc': { ignoreGrpcMethods: ['Check', 'Watch'] },
        '@opentelemetry/instrumentation-http': {
          ignoreIncomingRequestHook: (req) => /^\/(healthz|readyz|metrics)(\?|$)/.test(req.url ?? ''),
        },
      }),
    ],
  });
  sdk.start();
}

export async function stopTelemetry(): Promise<void> {
  await sdk?.shutdown().catch(() => undefined);
  sdk = undefined;
}
