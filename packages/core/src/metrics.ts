import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { metrics, type Histogram, type Meter } from '@opentelemetry/api';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import type { Logger } from 'pino';
import { ConfigError } from './config';

/**
 * Prometheus metrics for every service. One OpenTelemetry MeterProvider per process (registered
 * by startTelemetry (telemetry.ts), or here when the process was started without the telemetry
 * register) feeds one PrometheusExporter; `serveMetrics` answers `GET /metrics` with it on
 * METRICS_PORT. Services record their own domain metrics with `metrics.getMeter('<service>')`.
 */

/** Default METRICS_PORT per service: 9464 (Prometheus' registered OTel port) plus an offset. */
export const DEFAULT_METRICS_PORTS: Record<string, number> = {
  onboarding: 9464,
  connections: 9465,
  operations: 9466,
  audit: 9467,
  gateway: 9468,
};
const FALLBACK_METRICS_PORT = 9464;

/** Latency buckets in seconds, from a fast in-memory call to a slow provider round trip. */
export const LATENCY_BUCKETS_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

let reader: PrometheusExporter | undefined;
let readerRegistered = false;

function prometheusExporter(): PrometheusExporter {
  // Every series carries service_name, so a local scrape of several processes stays readable.
  reader ??= new PrometheusExporter({ preventServerStart: true, withResourceConstantLabels: /^service\.name$/ });
  return reader;
}

/** The metric reader startTelemetry registers (telemetry.ts); the endpoint below serves it. */
export function metricReaderForSdk(): PrometheusExporter {
  readerRegistered = true;
  return prometheusExporter();
}

/**
 * Makes sure a MeterProvider feeds the exporter: a process started without
 * `--require @tenantatlas/runtime/telemetry-register` (a test in-process, a script) still gets metrics.
 */
function ensureMeterProvider(): void {
  if (readerRegistered) return;
  readerRegistered = true;
  metrics.setGlobalMeterProvider(new MeterProvider({ readers: [prometheusExporter()] }));
}

export type MetricsPortSetting = { port: number } | { disabled: true };

/**
 * METRICS_PORT: unset → the service's default port, a number → that port (0 = any free port),
 * `off` → no endpoint. Anything else is a ConfigError (the service refuses to start, naming it).
 */
export function metricsPortFrom(service: string, env: NodeJS.ProcessEnv = process.env): MetricsPortSetting {
  const raw = env.METRICS_PORT?.trim();
  if (raw === undefined || raw === '') return { port: DEFAULT_METRICS_PORTS[service] ?? FALLBACK_METRICS_PORT };
  if (raw === 'off') return { disabled: true };
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError([`METRICS_PORT: expected a port number or "off", got "${raw}"`]);
  }
  return { port };
}

export interface MetricsEndpoint {
  port: number;
  stop(): Promise<void>;
}

/**
 * Serves `GET /metrics` in Prometheus text format. A port that is taken is logged and skipped,
 * not fatal: metrics must never keep a service from serving (in Kubernetes every pod has its own
 * port space, so this only happens when several processes share one machine).
 */
export async function serveMetrics(
  service: string,
  logger: Logger,
  setting: MetricsPortSetting = metricsPortFrom(service),
  host = '0.0.0.0',
): Promise<MetricsEndpoint | undefined> {
  if ('disabled' in setting) return undefined;
  ensureMeterProvider();
  const exporter = prometheusExporter();
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/metrics') {
      exporter.getMetricsRequestHandler(req, res);
      return;
    }
    res.statusCode = 404;
    res.end('not found\n');
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(setting.port, host, () => resolve());
    });
  } catch (err) {
    logger.warn({ err, port: setting.port }, 'metrics endpoint not started');
    return undefined;
  }
  server.unref();
  const port = (server.address() as AddressInfo).port;
  logger.info({ port, path: '/metrics' }, 'metrics endpoint listening');
  return {
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // a scraper's kept-alive connection would otherwise hold the close until the timeout
        server.closeIdleConnections();
      }),
  };
}

/** The meter for metrics recorded by the shared plumbing (RPC, HTTP, outbox, consumer lag). */
export function sharedMeter(): Meter {
  return metrics.getMeter('@tenantatlas/shared');
}

/**
 * Creates an instrument on first use, and again if the global MeterProvider changed since: an
 * instrument taken from the no-op provider before telemetry started would otherwise stay silent.
 */
export function lazyInstrument<T>(create: (meter: Meter) => T): () => T {
  let provider: unknown;
  let instrument: T | undefined;
  return () => {
    const current = metrics.getMeterProvider();
    if (!instrument || provider !== current) {
      provider = current;
      instrument = create(sharedMeter());
    }
    return instrument;
  };
}

/** `tenantatlas_rpc_server_duration_seconds{rpc_service, rpc_method, grpc_code}` */
export const rpcServerDuration = lazyInstrument<Histogram>((meter) =>
  meter.createHistogram('tenantatlas_rpc_server_duration_seconds', {
    description: 'Duration of gRPC calls this service answered, by service, method and status code',
    unit: 's',
    advice: { explicitBucketBoundaries: LATENCY_BUCKETS_SECONDS },
  }),
);

/** `tenantatlas_http_server_duration_seconds{http_method, http_route, http_status_code}` */
export const httpServerDuration = lazyInstrument<Histogram>((meter) =>
  meter.createHistogram('tenantatlas_http_server_duration_seconds', {
    description: 'Duration of HTTP requests this service answered, by method, route template and status code',
    unit: 's',
    advice: { explicitBucketBoundaries: LATENCY_BUCKETS_SECONDS },
  }),
);

/** Seconds since `start` (a `process.hrtime.bigint()` reading). */
export function secondsSince(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}
