export interface RetryPolicy {
  /** attempts in total, the first one included */
  maxAttempts: number;
  /** delay before the second attempt; doubles for each later one */
  baseDelayMs: number;
  /** cap of the exponential part (a provider's Retry-After may still ask for longer) */
  maxDelayMs: number;
  /** share of the delay that is randomised (0 = none, 1 = "full jitter") */
  jitter: number;
}

/** A Retry-After longer than this is treated as a permanent refusal rather than waited for. */
export const MAX_RETRY_AFTER_MS = 6 * 60 * 60 * 1000;

/**
 * Delay before attempt `failedAttempt + 1`: exponential backoff from the policy with jitter so
 * replicas retrying after the same outage spread out, and never earlier than the Retry-After the
 * provider gave. `random` is injected (0 ≤ r < 1) so the schedule is testable.
 */
export function retryDelayMs(policy: RetryPolicy, failedAttempt: number, retryAfterMs = 0, random: () => number = Math.random): number {
  const exponent = Math.max(0, failedAttempt - 1);
  const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(exponent, 30));
  const jitter = Math.min(1, Math.max(0, policy.jitter));
  const jittered = exponential * (1 - jitter) + exponential * jitter * random();
  return Math.ceil(Math.max(jittered, Math.max(0, retryAfterMs)));
}
