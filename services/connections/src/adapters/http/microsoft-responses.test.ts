import { classifyResponse, classifyTransportError, parseRetryAfter } from './microsoft-responses';

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  it.each([
    ['2', 2000],
    ['0', 0],
    ['Thu, 01 Jan 2026 00:00:05 GMT', 5000],
    ['Wed, 31 Dec 2025 23:59:00 GMT', 0],
    ['soon', 0],
    [null, 0],
    ['999999999', 24 * 60 * 60 * 1000],
  ])('%j → %d ms', (value, ms) => {
    expect(parseRetryAfter(value, now)).toBe(ms);
  });
});

describe('classifyResponse', () => {
  it('maps 429 to throttled with the Retry-After delay', () => {
    const failure = classifyResponse('organization', 429, '3', {});
    expect(failure).toMatchObject({ kind: 'throttled', step: 'organization', retryAfterMs: 3000 });
  });

  it.each([500, 502, 503, 504])('maps %d to unavailable', (status) => {
    expect(classifyResponse('token', status, '1', undefined)).toMatchObject({ kind: 'unavailable', retryAfterMs: 1000 });
  });

  it.each([
    [{ error: 'invalid_grant', error_codes: [65001] }, 'consent_missing', 'AADSTS65001'],
    [{ error: 'unauthorized_client', error_description: 'AADSTS700016: Application not found in the directory' }, 'consent_missing', 'AADSTS700016'],
    [{ error: 'invalid_client', error_codes: [7000215] }, 'credential_invalid', 'AADSTS7000215'],
    [{ error: 'invalid_client', error_codes: [7000222] }, 'credential_invalid', 'AADSTS7000222'],
    [{ error: 'invalid_request', error_codes: [90002] }, 'tenant_not_found', 'AADSTS90002'],
  ])('maps a sign-in answer %j to %s', (body, kind, providerCode) => {
    expect(classifyResponse('token', 400, null, body)).toMatchObject({ kind, providerCode });
  });

  it('maps Graph 401 to consent missing and 403 to permission missing', () => {
    expect(classifyResponse('organization', 401, null, { error: { code: 'InvalidAuthenticationToken' } }).kind).toBe('consent_missing');
    const forbidden = classifyResponse('permissions', 403, null, { error: { code: 'Authorization_RequestDenied', message: 'x' } });
    expect(forbidden).toMatchObject({ kind: 'permission_missing', providerCode: 'Authorization_RequestDenied' });
  });

  it('never copies a provider message into its own', () => {
    const failure = classifyResponse('token', 400, null, { error: 'invalid_client', error_description: 'AADSTS7000215: secret ABC123 is wrong', error_codes: [7000215] });
    expect(failure.message).not.toContain('ABC123');
  });

  it('maps anything else to unexpected', () => {
    expect(classifyResponse('inventory', 404, null, { error: { code: 'Request_ResourceNotFound' } }).kind).toBe('unexpected');
  });
});

describe('classifyTransportError', () => {
  it('tells a timeout from an unreachable provider', () => {
    expect(classifyTransportError('token', Object.assign(new Error('t'), { name: 'TimeoutError' })).kind).toBe('timeout');
    expect(classifyTransportError('token', new TypeError('fetch failed')).kind).toBe('unavailable');
  });
});
