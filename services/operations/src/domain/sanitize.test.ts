import { sanitizeMessage, sanitizeReasonCode, sanitizeSummaryCounts } from './sanitize';

describe('sanitizing what a run reports', () => {
  it('redacts tokens and secrets and drops raw provider bodies', () => {
    expect(sanitizeMessage('call failed: Authorization: Bearer abc.def-ghi')).not.toContain('abc');
    expect(sanitizeMessage('token eyJhbGciOi.eyJzdWIi.sig expired')).toBe('token [redacted-token] expired');
    expect(sanitizeMessage('client_secret=hunter2&x=1')).toBe('client_secret=[redacted]&x=1');
    expect(sanitizeMessage('{"error":{"code":"Authorization_RequestDenied"}}')).toBe('the provider returned an unexpected response');
    expect(sanitizeMessage('x'.repeat(1_000))).toHaveLength(300);
    expect(sanitizeMessage('')).toBeNull();
  });

  it('keeps stable reason codes and replaces anything else', () => {
    expect(sanitizeReasonCode('PROVIDER.THROTTLED')).toBe('PROVIDER.THROTTLED');
    expect(sanitizeReasonCode('Request failed with status 429')).toBe('RUN.UNKNOWN_ERROR');
  });

  it('keeps summary counts flat, numeric and non-negative', () => {
    expect(sanitizeSummaryCounts({ users: 12.7, groups: -1, nested: { a: 1 }, 'Bad Key': 3, ok: Number.NaN })).toEqual({ users: 12 });
  });
});
