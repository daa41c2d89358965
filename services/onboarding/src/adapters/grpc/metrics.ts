import { metrics, type Counter } from '@opentelemetry/api';
import { isDomainError } from '@tenantatlas/core';

/**
 * Onboarding's domain metrics: mutations by action and result (ok, or the error code such as
 * DRAFT.VERSION_CONFLICT), and activations by whether an override was used.
 */
export class OnboardingMetrics {
  private readonly mutations: Counter;
  private readonly activations: Counter;

  constructor() {
    const meter = metrics.getMeter('onboarding');
    this.mutations = meter.createCounter('tenantatlas_onboarding_mutations_total', {
      description: 'Draft and tenant mutations by action and result',
    });
    this.activations = meter.createCounter('tenantatlas_onboarding_activations_total', {
      description: 'Completed onboardings by whether readiness was overridden',
    });
  }

  async track<T>(action: string, run: () => Promise<T>): Promise<T> {
    try {
      const result = await run();
      this.mutations.add(1, { action, result: 'ok' });
      return result;
    } catch (err) {
      this.mutations.add(1, { action, result: isDomainError(err) ? err.code : 'error' });
      throw err;
    }
  }

  activated(override: boolean): void {
    this.activations.add(1, { override: String(override) });
  }
}
