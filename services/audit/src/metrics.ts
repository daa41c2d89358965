import { metrics, type Counter, type Meter } from '@opentelemetry/api';

/**
 * Audit's own metrics. Instruments are taken lazily (and again if the global MeterProvider was
 * replaced), so one created before telemetry started does not stay a silent no-op.
 */
function lazy<T>(create: (meter: Meter) => T): () => T {
  let provider: unknown;
  let instrument: T | undefined;
  return () => {
    const current = metrics.getMeterProvider();
    if (!instrument || provider !== current) {
      provider = current;
      instrument = create(metrics.getMeter('audit'));
    }
    return instrument;
  };
}

/** `tenantatlas_audit_records_total{action, result}`: result is appended or duplicate */
export const recordsCounter = lazy<Counter>((meter) =>
  meter.createCounter('tenantatlas_audit_records_total', {
    description: 'Lifecycle events audit handled, by action and whether they were appended or already recorded',
  }),
);

/** `tenantatlas_audit_dead_lettered_total{topic}` */
export const deadLetteredCounter = lazy<Counter>((meter) =>
  meter.createCounter('tenantatlas_audit_dead_lettered_total', {
    description: 'Messages audit could not record and sent to the dead-letter topic',
  }),
);
