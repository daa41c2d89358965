import { metrics } from '@opentelemetry/api';

/**
 * Run metrics through the OpenTelemetry API; the process's exporter decides where they go. Starts
 * are counted by the start use case itself (`tenantatlas_runs_started_total`).
 */
export class RunMetrics {
  private readonly meter = metrics.getMeter('operations');
  private readonly completedTotal = this.meter.createCounter('tenantatlas_runs_completed_total', {
    description: 'runs reaching their terminal state, by type and outcome',
  });
  private readonly attemptsTotal = this.meter.createCounter('tenantatlas_run_attempts_total', {
    description: 'finished attempts, by type and result',
  });
  private readonly attemptSeconds = this.meter.createHistogram('tenantatlas_run_attempt_duration_seconds', {
    description: 'how long one attempt took',
    unit: 's',
  });
  private readonly recoveredTotal = this.meter.createCounter('tenantatlas_run_leases_expired_total', {
    description: 'attempts whose worker stopped responding (picked up again or failed)',
  });

  completed(type: string, outcome: string): void {
    this.completedTotal.add(1, { type, outcome });
  }

  attempt(type: string, result: string, seconds: number): void {
    this.attemptsTotal.add(1, { type, result });
    this.attemptSeconds.record(seconds, { type, result });
  }

  leaseExpired(type: string): void {
    this.recoveredTotal.add(1, { type });
  }
}
