import { retryDelayMs, type RetryPolicy } from './backoff';

const policy: RetryPolicy = { maxAttempts: 5, baseDelayMs: 1_000, maxDelayMs: 8_000, jitter: 0.5 };

describe('retry delay', () => {
  it('doubles per failed attempt and stops at the cap', () => {
    const noJitter = { ...policy, jitter: 0 };
    expect([1, 2, 3, 4, 5, 6].map((attempt) => retryDelayMs(noJitter, attempt))).toEqual([1_000, 2_000, 4_000, 8_000, 8_000, 8_000]);
  });

  it('spreads the delay over the jittered share of it', () => {
    expect(retryDelayMs(policy, 3, 0, () => 0)).toBe(2_000);
    expect(retryDelayMs(policy, 3, 0, () => 0.5)).toBe(3_000);
    expect(retryDelayMs(policy, 3, 0, () => 0.999999)).toBe(4_000);
  });

  it('never schedules earlier than the Retry-After the provider gave, even beyond the cap', () => {
    expect(retryDelayMs(policy, 1, 1_500, () => 0)).toBe(1_500);
    expect(retryDelayMs(policy, 1, 30_000, () => 0.9)).toBe(30_000);
    expect(retryDelayMs(policy, 4, 100, () => 0)).toBe(4_000);
  });

  it('does not overflow for absurd attempt numbers', () => {
    expect(retryDelayMs({ ...policy, jitter: 0 }, 5_000)).toBe(8_000);
  });
});
