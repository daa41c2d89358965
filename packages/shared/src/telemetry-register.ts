// Loaded with `node --require @tenantatlas/shared/telemetry-register`, before any instrumented module.
// Metrics are served by our own Prometheus endpoint (metrics.ts), not by an env-configured exporter.
import { startTelemetry } from './telemetry';

process.env.OTEL_METRICS_EXPORTER ??= 'none';
process.env.OTEL_LOGS_EXPORTER ??= 'none';
startTelemetry(process.env.OTEL_SERVICE_NAME ?? 'tenantatlas');
