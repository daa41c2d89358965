import { context, diag, metrics, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { ExpressInstrumentation } from '@opentelemetry/instrumentation-express';
import { GrpcInstrumentation } from '@opentelemetry/instrumentation-grpc';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { KafkaJsInstrumentation } from '@opentelemetry/instrumentation-kafkajs';
import { MongoDBInstrumentation } from '@opentelemetry/instrumentation-mongodb';
import { RuntimeNodeInstrumentation } from '@opentelemetry/instrumentation-runtime-node';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { detectResources, envDetector, hostDetector, processDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  NoopSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  TracerProvider,
  type Sampler,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace';
import { metricReaderForSdk } from '@tenantatlas/core';

let started: { tracerProvider: TracerProvider; meterProvider: MeterProvider } | undefined;

/**
 * Where spans go, from the standard variables: OTLP/HTTP when `OTEL_EXPORTER_OTLP_ENDPOINT` (or
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set, unless `OTEL_TRACES_EXPORTER=none`. Without an
 * exporter a no-op processor still keeps a real tracer provider, so every request gets trace and
 * span ids that flow through gRPC metadata, Kafka headers and log lines.
 */
export function spanProcessorsFrom(env: NodeJS.ProcessEnv): SpanProcessor[] {
  if (!exportsSpans(env)) return [new NoopSpanProcessor()];
  // Loaded only when spans leave the process: the exporter and its OTLP transformer are ~2 MB of
  // heap in a process that exports nothing (docs/benchmarks.md, "Idle memory").
  const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-http') as typeof import('@opentelemetry/exporter-trace-otlp-http');
  // Batch delay and size keep their OTEL_BSP_* meaning; 200 ms by default so traces show up fast.
  const delay = Number(env.OTEL_BSP_SCHEDULE_DELAY ?? 200);
  return [new BatchSpanProcessor({ exporter: new OTLPTraceExporter(), scheduledDelayMillis: delay })];
}

/** Whether spans leave the process (an OTLP endpoint is set and the exporter is not `none`). */
export function exportsSpans(env: NodeJS.ProcessEnv): boolean {
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? env.OTEL_EXPORTER_OTLP_ENDPOINT;
  const exporters = (env.OTEL_TRACES_EXPORTER ?? 'otlp').split(',').map((name) => name.trim());
  return Boolean(endpoint) && !exporters.includes('none');
}

/**
 * `OTEL_TRACES_SAMPLER` / `OTEL_TRACES_SAMPLER_ARG` as the specification names them; unset (or
 * unknown, with a diagnostic) → parent-based always-on, the SDK's default, while spans are
 * exported. A process that exports nothing records nothing by default (parent-based always-off):
 * its spans still carry trace and span ids into logs, gRPC metadata and Kafka headers, but no
 * attributes or timings are collected only to be dropped; a caller's sampled trace is still recorded.
 */
export function samplerFrom(env: NodeJS.ProcessEnv): Sampler {
  const fallback = () => new ParentBasedSampler({ root: exportsSpans(env) ? new AlwaysOnSampler() : new AlwaysOffSampler() });
  const ratio = () => {
    const arg = Number(env.OTEL_TRACES_SAMPLER_ARG ?? 1);
    return arg >= 0 && arg <= 1 ? arg : 1;
  };
  switch (env.OTEL_TRACES_SAMPLER?.trim()) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return new TraceIdRatioBasedSampler(ratio());
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio()) });
    case 'parentbased_always_on':
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    case undefined:
    case '':
      return fallback();
    default:
      diag.warn(`unknown OTEL_TRACES_SAMPLER ${JSON.stringify(env.OTEL_TRACES_SAMPLER)}: using the default`);
      return fallback();
  }
}

const EVENT_LOOP_SAMPLE_MS = 50;

/**
 * What a database span says the command was: its fields, and the field names of the objects in
 * it (a filter's, an update's), every value left out. Never a value: a filter or a document may
 * hold a secret or personal data. Built from the top two levels only, so the cost does not grow
 * with the documents a command carries (the instrumentation's own serializer walked all of them:
 * 5 % of the operations service's CPU under load).
 */
export function statementShape(command: Record<string, unknown>): string {
  const shape: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(command)) {
    if (Array.isArray(value)) shape[key] = `[${value.length}]`;
    else if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
      shape[key] = Object.fromEntries(Object.keys(value).map((name) => [name, '?']));
    } else shape[key] = '?';
  }
  return JSON.stringify(shape);
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
    // Database calls belong to a request or a message; the outbox relay's reads and other
    // background queries would otherwise each start a trace of their own. One span a command
    // (the driver's): mongoose's would wrap each in a second span saying the same.
    new MongoDBInstrumentation({ requireParentSpan: true, dbStatementSerializer: statementShape }),
    // the nodejs_eventloop_* and v8js_* metrics. The delay histogram samples the loop on a timer
    // of its own: every 10 ms by default (0.25 % of a core per process, idle or not), every 50 ms
    // here (0.07 %); a stall of the loop still shows in full in the samples that follow it.
    new RuntimeNodeInstrumentation({ monitoringPrecision: EVENT_LOOP_SAMPLE_MS }),
  ];
}

/**
 * Starts OpenTelemetry before the application is loaded (see telemetry-register.ts): traces with
 * HTTP, fetch, express, gRPC, kafkajs and MongoDB/mongoose instrumented, W3C trace context and
 * baggage propagated, and the MeterProvider whose metrics the Prometheus endpoint serves
 * (metrics.ts). Assembled from the SDK's parts rather than with `NodeSDK`, which loads every
 * exporter it could be configured with (logs, metrics, OTLP over gRPC and protobuf, Zipkin):
 * 13 MB of RSS a process (96 → 83 MB for the telemetry alone) that these services never use.
 * Of the SDK's environment variables the OTLP exporter's own, OTEL_SERVICE_NAME,
 * OTEL_RESOURCE_ATTRIBUTES, OTEL_TRACES_SAMPLER(_ARG), OTEL_TRACES_EXPORTER, OTEL_BSP_SCHEDULE_DELAY
 * and OTEL_SDK_DISABLED are read; others NodeSDK knew (OTEL_PROPAGATORS, span limits, resource
 * detector choice) are not.
 */
export function startTelemetry(serviceName: string, env: NodeJS.ProcessEnv = process.env): void {
  if (started || env.OTEL_SDK_DISABLED === 'true') return;
  // OTEL_RESOURCE_ATTRIBUTES and OTEL_SERVICE_NAME (env) win over the name the service passes
  const resource = resourceFromAttributes({ 'service.name': serviceName }).merge(detectResources({ detectors: [processDetector, hostDetector, envDetector] }));
  const tracerProvider = new TracerProvider({ resource, sampler: samplerFrom(env), spanProcessors: spanProcessorsFrom(env) });
  const meterProvider = new MeterProvider({ resource, readers: [metricReaderForSdk()] });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }));
  trace.setGlobalTracerProvider(tracerProvider);
  metrics.setGlobalMeterProvider(meterProvider);
  registerInstrumentations({ instrumentations: instrumentations(), tracerProvider, meterProvider });
  started = { tracerProvider, meterProvider };
}

export async function stopTelemetry(): Promise<void> {
  if (!started) return;
  const { tracerProvider, meterProvider } = started;
  started = undefined;
  await Promise.all([tracerProvider.shutdown(), meterProvider.shutdown()]).catch(() => undefined);
}
