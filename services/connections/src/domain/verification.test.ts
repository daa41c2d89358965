import { ProviderFailure, PROVIDER_FAILURES } from './provider';
import { completedReport, FAILURE_CLASSES, failedReport } from './verification';
import { posture, POSTURE_STALE_AFTER_MS } from './permissions';

const required = { application: ['Organization.Read.All', 'Directory.Read.All'], recommendedApplication: ['Policy.Read.All'], delegated: ['User.Read'] };
const org = { id: 't1', displayName: 'Contoso' };

describe('failure → verification outcome', () => {
  it.each([
    ['throttled', 'error', 'PROVIDER.THROTTLED', true],
    ['unavailable', 'error', 'PROVIDER.UNAVAILABLE', true],
    ['timeout', 'error', 'PROVIDER.TIMEOUT', true],
    ['consent_missing', 'blocked', 'PROVIDER.CONSENT_MISSING', false],
    ['permission_missing', 'blocked', 'PROVIDER.PERMISSION_MISSING', false],
    ['credential_invalid', 'blocked', 'PROVIDER.CREDENTIAL_INVALID', false],
    ['tenant_not_found', 'blocked', 'PROVIDER.TENANT_NOT_FOUND', false],
  ] as const)('%s → %s %s (retryable %s)', (kind, status, reasonCode, retryable) => {
    const report = failedReport(new ProviderFailure(kind, 'organization', 'm', 2000));
    expect(report).toMatchObject({ status, reasonCode, retryable, retryAfterMs: retryable ? 2000 : 0 });
  });

  it('has a class for every failure kind', () => {
    for (const kind of PROVIDER_FAILURES) expect(FAILURE_CLASSES[kind].reasonCode).toMatch(/^PROVIDER\.[A-Z_]+$/);
  });

  it('marks consent required and fails the consent check when consent is missing at sign-in', () => {
    const report = failedReport(new ProviderFailure('consent_missing', 'token', 'no consent'));
    expect(report.consent).toBe('required');
    expect(report.checks.map((c) => [c.key, c.status])).toEqual([
      ['provider.token', 'pass'],
      ['provider.consent', 'fail'],
      ['provider.organization', 'skip'],
      ['provider.permissions', 'skip'],
    ]);
  });

  it('learns nothing about consent when sign-in itself is throttled', () => {
    expect(failedReport(new ProviderFailure('throttled', 'token', 'm', 1000)).consent).toBeUndefined();
    expect(failedReport(new ProviderFailure('throttled', 'organization', 'm', 1000)).consent).toBe('granted');
  });
});

describe('completed check', () => {
  const all = ['Organization.Read.All', 'Directory.Read.All', 'Policy.Read.All'];

  it('is healthy when everything is granted', () => {
    expect(completedReport('application', required, org, { application: all, delegated: [] })).toMatchObject({ status: 'healthy', reasonCode: '', missingPermissions: [] });
  });

  it('is blocked when a required permission is missing and lists it', () => {
    const report = completedReport('application', required, org, { application: ['Organization.Read.All', 'Policy.Read.All'], delegated: [] });
    expect(report).toMatchObject({ status: 'blocked', reasonCode: 'PROVIDER.PERMISSION_MISSING', missingPermissions: ['Directory.Read.All'] });
  });

  it('is degraded when only a recommended permission is missing', () => {
    const report = completedReport('application', required, org, { application: required.application, delegated: [] });
    expect(report).toMatchObject({ status: 'degraded', missingPermissions: ['Policy.Read.All'] });
  });

  it('judges a delegated connection by its delegated permissions', () => {
    expect(completedReport('delegated', required, org, { application: [], delegated: ['user.read'] }).status).toBe('healthy');
    expect(completedReport('delegated', required, org, { application: all, delegated: [] }).status).toBe('blocked');
  });
});

describe('permission posture', () => {
  const now = new Date('2026-03-01T00:00:00Z');
  it('is stale when never refreshed or older than 30 days', () => {
    expect(posture(required, null, now).isStale).toBe(true);
    const fresh = new Date(now.getTime() - POSTURE_STALE_AFTER_MS + 1000);
    const old = new Date(now.getTime() - POSTURE_STALE_AFTER_MS - 1000);
    expect(posture(required, { application: [], delegated: [], refreshedAt: fresh }, now).isStale).toBe(false);
    expect(posture(required, { application: [], delegated: [], refreshedAt: old }, now).isStale).toBe(true);
  });

  it('counts missing application and delegated permissions', () => {
    const p = posture(required, { application: ['Directory.Read.All'], delegated: [], refreshedAt: now }, now);
    expect(p.missingApplication).toEqual(['Organization.Read.All', 'Policy.Read.All']);
    expect(p.missingDelegated).toEqual(['User.Read']);
  });
});
