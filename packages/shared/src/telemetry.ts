import { NodeSDK } from '@opentelemetry/sdk-node';
import { ExpressInstrumentation } from '@opentelemetry/instrumentation-express';
import { GrpcInstrumentation } from '@opentelemetry/instrumentation-grpc';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { KafkaJsInstrumentation } from '@opentelemetry/instrumentation-kafkajs';
import { MongoDBInstrumentation } from '@opentelemetry/instrumentation-mongodb';
import { MongooseInstrumentation } from '@opentelemetry/instrumentation-mongoose';
import { RuntimeNodeInstrumentation } from '@opentelemetry/instrumentation-runtime-node';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
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
 * The instrumentations of the libraries the services use, constructed one by one: the
 * auto-instrumentations bundle loads all of its ~40 (38 MB of RSS a process, 14 MB more than
 * these) even when told to enable a few. File, DNS, socket and pino instrumentations are left
 * out on purpose: their spans drown the ones operators care about, and pino's trace ids come
 * from our own mixin.
 */
function instrumentations() {
  return [
    // HTTP probes and metric scrapes every few seconds are noise, not traces.
    new HttpInstrumentation({ ignoreIncomingRequestHook: (req) => /^\/(healthz|readyz|metrics)(\?|$)/.test(req.url ?? '') }),
    // outgoing `fetch` (the provider calls, OIDC discovery)
    new UndiciInstrumentation(),
    new ExpressInstrumentation(),
    // grpc.health.v1 probes (kubelet, tests): only the method name is matched, so no domain
    // RPC may be called Check or Watch.
    new GrpcInstrumentation({ ignoreGrpcMethods: ['Check', 'Watch'] }),
    new KafkaJsInstrumentation(),
    // Database calls belong to a request or a message; the outbox relay's polling and other
    // background queries would otherwise each start a trace of their own.
    new MongoDBInstrumentation({ requireParentSpan: true }),
    new MongooseInstrumentation({ requireParentSpan: true }),
    // the nodejs_eventloop_* and v8js_* metrics
    new RuntimeNodeInstrumentation(),
  ];
}

/**
 * Starts OpenTelemetry before the application is loaded (see telemetry-register.ts): traces with
 * HTTP, fetch, express, gRPC, kafkajs and MongoDB/mongoose instrumented, and the MeterProvider
 * whose metrics the Prometheus endpoint serves (metrics.ts).
 */
export function startTelemetry(serviceName: string, env: NodeJS.ProcessEnv = process.env): void {
  if (sdk || env.OTEL_SDK_DISABLED === 'true') return;
  sdk = new NodeSDK({
    serviceName,
    spanProcessors: spanProcessorsFrom(env),
    metricReaders: [metricReaderForSdk()],
    instrumentations: instrumentations(),
  });
  sdk.start();
}

export async function stopTelemetry(): Promise<void> {
  await sdk?.shutdown().catch(() => undefined);
  sdk = undefined;
}
