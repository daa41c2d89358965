// Loaded with `node --require @tenantatlas/runtime/telemetry-register`, before any instrumented module.
// Metrics are served by our own Prometheus endpoint (metrics.ts), not by an env-configured exporter.
import { startTelemetry } from './telemetry';

startTelemetry(process.env.OTEL_SERVICE_NAME ?? 'tenantatlas');
