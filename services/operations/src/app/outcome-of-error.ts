import { isDomainError } from '@tenantatlas/core';
import type { ExecutionResult } from '../domain/transitions';

const RETRYABLE_KINDS = new Set(['unavailable', 'resource_exhausted']);

/**
 * An executor that throws instead of returning a result: errors of a peer service (DomainError
 * with its stable code) keep their code; unavailable/resource-exhausted are retryable and may
 * carry the provider's Retry-After in their details. Everything else is permanent: e.g. the
 * connections service's NOT_FOUND (CONNECTION.NOT_FOUND) for a subject that is not, or no longer,
 * the run's tenant's connection fails the run at once instead of retrying against it. Anything unexpected is retried too (bounded
 * by max attempts) but reported under a generic code, never with its raw text.
 */
export function outcomeOfError(err: unknown): ExecutionResult {
  if (isDomainError(err)) {
    const retryAfterMs = Number(err.details.retryAfterMs ?? 0) || 0;
    const retryable = typeof err.details.retryable === 'boolean' ? err.details.retryable : RETRYABLE_KINDS.has(err.kind);
    return {
      kind: 'failed',
      errorClass: retryable ? 'retryable' : 'permanent',
      reasonCode: err.code,
      message: err.message,
      retryAfterMs,
    };
  }
  return { kind: 'failed', errorClass: 'retryable', reasonCode: 'RUN.EXECUTOR_ERROR', message: 'the run failed unexpectedly' };
}
