import { resultOfProviderStatus } from './provider-executors';

const base = { status: 'healthy', reason_code: '', retryable: false, retry_after_ms: 0 };

describe('provider check results', () => {
  it('maps health to outcomes and keeps the provider reason code and Retry-After', () => {
    expect(resultOfProviderStatus(base, { checks_passed: 3 })).toEqual({ kind: 'succeeded', summaryCounts: { checks_passed: 3 }, message: undefined });
    expect(resultOfProviderStatus({ ...base, status: 'degraded', reason_code: 'PROVIDER.PERMISSION_MISSING' }, {})).toMatchObject({
      kind: 'partially_succeeded',
      reasonCode: 'PROVIDER.PERMISSION_MISSING',
    });
    expect(resultOfProviderStatus({ ...base, status: 'error', reason_code: 'PROVIDER.THROTTLED', retryable: true, retry_after_ms: 2_000 }, {})).toMatchObject({
      kind: 'failed',
      errorClass: 'retryable',
      reasonCode: 'PROVIDER.THROTTLED',
      retryAfterMs: 2_000,
    });
    expect(resultOfProviderStatus({ ...base, status: 'blocked', reason_code: 'PROVIDER.CONSENT_MISSING' }, {})).toMatchObject({
      kind: 'failed',
      errorClass: 'permanent',
      reasonCode: 'PROVIDER.CONSENT_MISSING',
    });
  });
});
